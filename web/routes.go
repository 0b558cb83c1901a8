package web

import "net/http"

// routes lists every route of Shelf in one place, each with its middleware
// chain: standard (every request) → session + CSRF → require login → require
// admin, and a per-user rate limit on destructive routes.
func (s *Server) routes() {
	m := routeRecorder{s}

	// Open to everyone: operations, the API description and static files.
	m.HandleFunc("GET /healthz", s.healthz)
	m.HandleFunc("GET /readyz", s.readyz)
	m.Handle("GET /metrics", s.metrics.handler())
	m.HandleFunc("GET /api/openapi.yaml", s.openAPI)
	m.HandleFunc("GET /problems/{slug}", s.problemDoc)
	m.Handle("GET /static/", s.staticHandler())
	// note: browsers ask for /favicon.ico by themselves; it must not touch the
	// session, or the login form's CSRF token could go stale.
	m.HandleFunc("GET /favicon.ico", http.NotFound)

	// HTML pages.
	login := func(h http.HandlerFunc) http.Handler { return chain(h, s.withSession, s.csrf) }
	page := func(h http.HandlerFunc) http.Handler { return chain(h, s.withSession, s.requireLogin, s.csrf) }
	destroy := func(h http.HandlerFunc) http.Handler {
		return chain(h, s.withSession, s.requireLogin, s.csrf, s.limitDestructive)
	}
	admin := func(h http.HandlerFunc) http.Handler {
		return chain(h, s.withSession, s.requireLogin, s.csrf, s.requireAdmin)
	}
	adminDestroy := func(h http.HandlerFunc) http.Handler {
		return chain(h, s.withSession, s.requireLogin, s.csrf, s.requireAdmin, s.limitDestructive)
	}

	m.Handle("GET /{$}", page(s.home))
	m.Handle("GET /login", login(s.loginPage))
	m.Handle("POST /login", login(s.login))
	m.Handle("POST /logout", login(s.logout))

	m.Handle("GET /overview", page(s.overviewPage))
	m.Handle("GET /items", page(s.itemsPage))
	m.Handle("GET /items/new", page(s.newItemPage))
	m.Handle("POST /items", page(s.createItem))
	m.Handle("GET /items/{id}", page(s.itemPage))
	m.Handle("GET /items/{id}/edit", page(s.editItemPage))
	m.Handle("POST /items/{id}", destroy(s.updateOrDeleteItem)) // _method=DELETE deletes
	m.Handle("GET /items/{id}/delete", page(s.deleteItemPage))
	m.Handle("POST /items/{id}/delete", destroy(s.deleteItem))
	m.Handle("POST /items/bulk-delete", destroy(s.bulkDeleteItems))
	m.Handle("GET /items/delete-matching", page(s.deleteMatchingPage))
	m.Handle("POST /items/delete-matching", destroy(s.deleteMatching))

	m.Handle("POST /items/{id}/notes", page(s.addNote))
	m.Handle("GET /notes/{id}/delete", page(s.deleteNotePage))
	m.Handle("POST /notes/{id}/delete", destroy(s.deleteNote))
	m.Handle("POST /items/{id}/photos", chain(http.HandlerFunc(s.addPhotoForm), s.withSession, s.requireLogin, s.uploadCSRF))
	m.Handle("POST /photos/{id}/delete", destroy(s.trashPhotoForm))
	m.Handle("POST /items/{id}/loans", page(s.lendItem))
	m.Handle("POST /loans/{id}/return", page(s.returnLoan))

	m.Handle("GET /trash", page(s.trashPage))
	m.Handle("GET /trash/{id}", page(s.trashedItemPage))
	m.Handle("POST /trash/bulk-restore", destroy(s.restoreChosen))
	m.Handle("POST /trash/bulk-delete", destroy(s.purgeChosen))
	m.Handle("POST /trash/{id}/restore", destroy(s.restoreItem))
	m.Handle("POST /trash/restore", destroy(s.restoreCohort))
	m.Handle("GET /trash/{id}/delete", page(s.purgeItemPage))
	m.Handle("POST /trash/{id}/delete", destroy(s.purgeItem))
	m.Handle("GET /trash/empty", page(s.emptyTrashPage))
	m.Handle("POST /trash/empty", destroy(s.emptyTrash))

	m.Handle("GET /jobs/{id}", page(s.jobPage))
	m.Handle("POST /jobs/{id}/retry", adminDestroy(s.retryJob))

	m.Handle("GET /categories", page(s.categoriesPage))
	m.Handle("POST /categories", page(s.createCategory))
	m.Handle("GET /categories/{id}/delete", page(s.deleteCategoryPage))
	m.Handle("POST /categories/{id}/delete", destroy(s.deleteCategory))

	m.Handle("GET /webhooks", page(s.webhooksPage))
	m.Handle("GET /webhooks/{id}/deliveries", page(s.webhookDeliveriesPage))

	m.Handle("GET /account", page(s.accountPage))
	m.Handle("GET /account/delete", page(s.deleteAccountPage))
	m.Handle("POST /account/delete", destroy(s.deleteAccount))

	m.Handle("GET /tokens", page(s.tokensPage))
	m.Handle("POST /tokens", page(s.createTokenForm))
	m.Handle("GET /tokens/{id}/delete", page(s.deleteTokenPage))
	m.Handle("POST /tokens/{id}/delete", destroy(s.deleteTokenForm))

	m.Handle("GET /admin/audit", admin(s.auditPage))
	m.Handle("GET /admin/audit/{id}", admin(s.auditEventPage))
	m.Handle("GET /admin/users", admin(s.usersPage))
	m.Handle("GET /admin/users/new", admin(s.newUserPage))
	m.Handle("POST /admin/users/new", admin(s.createUser))
	m.Handle("GET /admin/users/{id}/password", admin(s.passwordPage))
	m.Handle("POST /admin/users/{id}/password", admin(s.resetPassword))
	m.Handle("GET /admin/users/{id}/delete", admin(s.deleteUserPage))
	m.Handle("POST /admin/users/{id}/delete", adminDestroy(s.deleteUser))
	m.Handle("POST /admin/users/{id}/transfer", adminDestroy(s.transferItems))
	m.Handle("POST /admin/users/{id}/unlock", admin(s.unlockLogins))
	m.Handle("POST /admin/users/{id}/restore", admin(s.restoreAccountForm))
	m.Handle("GET /admin/users/{id}/erase", admin(s.eraseUserPage))
	m.Handle("POST /admin/users/{id}/erase", adminDestroy(s.eraseUser))
	m.Handle("GET /admin/holds", admin(s.holdsPage))
	m.Handle("POST /admin/holds", admin(s.placeHold))
	m.Handle("POST /admin/holds/{id}/release", admin(s.releaseHold))

	// The JSON API: a session cookie (with the CSRF header) or a Bearer
	// token; every POST honours Idempotency-Key.
	api := func(h http.HandlerFunc) http.Handler {
		return chain(h, s.withAPIAuth, s.requireLogin, s.checkAll, s.csrf, s.idempotent)
	}
	apiDestroy := func(h http.HandlerFunc) http.Handler {
		return chain(h, s.withAPIAuth, s.requireLogin, s.csrf, s.limitDestructive, s.idempotent)
	}
	apiAdmin := func(h http.HandlerFunc) http.Handler {
		return chain(h, s.withAPIAuth, s.requireLogin, s.csrf, s.requireAdmin, s.idempotent)
	}
	apiAdminDestroy := func(h http.HandlerFunc) http.Handler {
		return chain(h, s.withAPIAuth, s.requireLogin, s.csrf, s.requireAdmin, s.limitDestructive, s.idempotent)
	}

	m.Handle("GET /api/v1/items", api(s.apiListItems))
	m.Handle("POST /api/v1/items", api(s.apiCreateItem))
	m.Handle("GET /api/v1/items/{id}", api(s.apiGetItem))
	m.Handle("PATCH /api/v1/items/{id}", api(s.apiUpdateItem))
	m.Handle("DELETE /api/v1/items/{id}", apiDestroy(s.apiTrashItem))
	m.Handle("GET /api/v1/items/{id}/impact", api(s.apiItemImpact))
	m.Handle("POST /api/v1/items/bulk-delete", apiDestroy(s.apiBulkTrash))

	m.Handle("GET /api/v1/trash", api(s.apiListTrash))
	m.Handle("DELETE /api/v1/trash", apiDestroy(s.apiEmptyTrash))
	m.Handle("GET /api/v1/trash/{id}/impact", api(s.apiPurgeImpact))
	m.Handle("POST /api/v1/trash/{id}/restore", apiDestroy(s.apiRestoreItem))
	m.Handle("POST /api/v1/trash/restore", apiDestroy(s.apiRestoreCohort))
	m.Handle("GET /api/v1/trash/{id}", api(s.apiGetTrashed))
	m.Handle("DELETE /api/v1/trash/{id}", apiDestroy(s.apiPurgeItem))

	m.Handle("GET /api/v1/items/{id}/notes", api(s.apiListNotes))
	m.Handle("POST /api/v1/items/{id}/notes", api(s.apiAddNote))
	m.Handle("GET /api/v1/notes/{id}", api(s.apiGetNote))
	m.Handle("DELETE /api/v1/notes/{id}", apiDestroy(s.apiDeleteNote))
	m.Handle("GET /api/v1/items/{id}/loans", api(s.apiListLoans))
	m.Handle("POST /api/v1/items/{id}/loans", api(s.apiLendItem))
	m.Handle("GET /api/v1/loans/{id}", api(s.apiGetLoan))
	m.Handle("POST /api/v1/loans/{id}/return", api(s.apiReturnLoan))

	m.Handle("GET /api/v1/items/{id}/photos", api(s.apiListPhotos))
	m.Handle("POST /api/v1/items/{id}/photos", api(s.apiAddPhoto))
	m.Handle("GET /api/v1/photos/{id}", api(s.apiPhoto))
	m.Handle("DELETE /api/v1/photos/{id}", apiDestroy(s.apiTrashPhoto))

	m.Handle("GET /api/v1/categories", api(s.apiListCategories))
	m.Handle("POST /api/v1/categories", api(s.apiCreateCategory))
	m.Handle("GET /api/v1/categories/{id}", api(s.apiGetCategory))
	m.Handle("GET /api/v1/categories/{id}/impact", api(s.apiCategoryImpact))
	m.Handle("DELETE /api/v1/categories/{id}", apiDestroy(s.apiDeleteCategory))

	m.Handle("GET /api/v1/audit", apiAdmin(s.apiAudit))
	m.Handle("GET /api/v1/users", apiAdmin(s.apiListUsers))
	m.Handle("DELETE /api/v1/users/{id}", apiAdminDestroy(s.apiDeleteUser))
	m.Handle("POST /api/v1/users/{id}/transfer", apiAdminDestroy(s.apiTransferItems))
	m.Handle("POST /api/v1/users/{id}/unlock", apiAdmin(s.apiUnlockLogins))
	m.Handle("POST /api/v1/users/{id}/erase", apiAdminDestroy(s.apiEraseUser))
	m.Handle("POST /api/v1/users/{id}/restore", apiAdmin(s.apiRestoreAccount))
	m.Handle("GET /api/v1/holds", apiAdmin(s.apiListHolds))
	m.Handle("POST /api/v1/holds", apiAdmin(s.apiPlaceHold))
	m.Handle("GET /api/v1/holds/{id}", apiAdmin(s.apiGetHold))
	m.Handle("DELETE /api/v1/holds/{id}", apiAdminDestroy(s.apiReleaseHold))

	m.Handle("GET /api/v1/jobs", api(s.apiListJobs))
	m.Handle("GET /api/v1/jobs/{id}", api(s.apiGetJob))
	m.Handle("POST /api/v1/jobs/{id}/retry", apiAdminDestroy(s.apiRetryJob))

	m.Handle("GET /api/v1/events", api(s.apiEvents))
	m.Handle("POST /api/v1/webhooks", api(s.apiCreateWebhook))
	m.Handle("GET /api/v1/webhooks", api(s.apiListWebhooks))
	m.Handle("GET /api/v1/webhooks/{id}", api(s.apiGetWebhook))
	m.Handle("DELETE /api/v1/webhooks/{id}", apiDestroy(s.apiDeleteWebhook))
	m.Handle("GET /api/v1/webhooks/{id}/deliveries", api(s.apiWebhookDeliveries))

	m.Handle("GET /api/v1/me/export", api(s.apiExportAccount))
	m.Handle("DELETE /api/v1/me", apiDestroy(s.apiDeleteOwnAccount))

	m.Handle("GET /api/v1/tokens", api(s.apiListTokens))
	m.Handle("POST /api/v1/tokens", api(s.apiCreateToken))
	m.Handle("GET /api/v1/tokens/{id}", api(s.apiGetToken))
	m.Handle("DELETE /api/v1/tokens/{id}", apiDestroy(s.apiDeleteToken))
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz answers 503 with Retry-After while the database does not answer.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.svc.Ping(r.Context()); err != nil {
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database unavailable\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

// routeRecorder registers routes on the server's mux and remembers their
// patterns, so tests can hold the OpenAPI description to the router.
type routeRecorder struct{ s *Server }

func (rr routeRecorder) Handle(pattern string, h http.Handler) {
	rr.s.patterns = append(rr.s.patterns, pattern)
	rr.s.mux.Handle(pattern, h)
}

func (rr routeRecorder) HandleFunc(pattern string, h http.HandlerFunc) { rr.Handle(pattern, h) }
