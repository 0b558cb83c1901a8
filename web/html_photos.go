package web

import (
	"context"
	"crypto/subtle"
	"io"
	"mime"
	"mime/multipart"
	"net/http"

	"shelf"
)

// photosView is the photos section of an item's page: the photos, the
// limits the upload form states (and its script reads from data
// attributes), and an upload's error.
type photosView struct {
	List     []shelf.Photo
	Max      int
	MaxBytes int
	MaxMiB   int
	Full     bool // the item has as many photos as it may
	Error    string
}

func newPhotosView(photos []shelf.Photo, errText string) photosView {
	return photosView{List: photos, Max: shelf.MaxPhotosPerItem, MaxBytes: shelf.MaxPhotoBytes, MaxMiB: shelf.MaxPhotoBytes >> 20,
		Full: len(photos) >= shelf.MaxPhotosPerItem, Error: errText}
}

// uploadBodyKey holds, in a request's context, the multipart body whose
// CSRF field uploadCSRF has read.
type uploadBodyKey struct{}

// uploadCSRF is the CSRF check of the HTML photo upload, whose body is
// multipart/form-data: the session's token comes in the X-CSRF-Token header
// (the script's upload) or as the form's first field, csrf_token, read
// without reading the file behind it. Any other body goes through the usual
// check.
func (s *Server) uploadCSRF(next http.Handler) http.Handler {
	plain := s.csrf(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt != "multipart/form-data" || r.Header.Get("X-CSRF-Token") != "" {
			plain.ServeHTTP(w, r)
			return
		}
		info := infoFrom(r)
		mr, err := multipartBody(w, r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var sent []byte
		if part, err := mr.NextPart(); err == nil && part.FormName() == "csrf_token" {
			sent, _ = io.ReadAll(io.LimitReader(part, 256))
		}
		if info.session == nil || len(sent) == 0 || subtle.ConstantTimeCompare(sent, []byte(info.session.CSRFToken)) != 1 {
			info.refused = true
			s.csrfFailed(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), uploadBodyKey{}, mr)))
	})
}

// addPhotoForm takes a photo from the item page's form and goes back to the
// item; a refused upload shows the page again with the reason and its
// status.
func (s *Server) addPhotoForm(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok {
		return
	}
	mr, _ := r.Context().Value(uploadBodyKey{}).(*multipart.Reader)
	_, err := s.svc.AddPhoto(r.Context(), actor(r), id, func() (io.Reader, error) { return uploadedFile(w, r, mr) })
	if err != nil {
		p, he := s.problemFor(r, err)
		if p.Status == http.StatusNotFound || p.Status >= 500 && p.Status != http.StatusInsufficientStorage {
			setErrorHeaders(w, he)
			s.render(w, r, p.Status, "error", http.StatusText(p.Status), errorPage{Status: p.Status, Message: p.Detail})
			return
		}
		msg := p.Detail
		if m := p.Errors["file"]; m != "" {
			msg = m
		}
		s.renderItem(w, r, p.Status, id, itemView{Photos: photosView{Error: msg}})
		return
	}
	s.setFlash(r, flash{Kind: "success", Text: "Photo added."})
	redirect(w, r, "/items/"+itoa(id))
}

// trashPhotoForm moves a photo to the Trash and goes back to its item, with
// Undo.
func (s *Server) trashPhotoForm(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok {
		return
	}
	p, cohort, err := s.svc.TrashPhoto(r.Context(), actor(r), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.setFlash(r, flash{Kind: "success", Text: "Moved the photo to the Trash.", Undo: "/trash/restore", Cohort: cohort})
	redirect(w, r, "/items/"+itoa(p.ItemID))
}
