package web

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The browser tests drive Shelf in Debian's Chromium, headless: each scenario
// gets a fresh server and database (newAPIEnv) and a fresh incognito browser
// context in one shared browser, and checks both what the page shows and what
// the database holds. Under CI=true they must run; elsewhere they skip when
// Chromium is missing.

const (
	chromiumPath    = "/usr/bin/chromium"
	scenarioTimeout = 60 * time.Second // a whole scenario
	stepTimeout     = 10 * time.Second // one step of it
	screenshotDir   = "../docs/screenshots"
)

func TestBrowser(t *testing.T) {
	browser := startChromium(t)
	for _, sc := range []struct {
		name string
		run  func(t *testing.T, browser context.Context)
	}{
		{"DeleteThenUndo", browserDeleteThenUndo},
		{"NoScriptDeleteThroughConfirmationPage", browserNoScriptDelete},
		{"BlockedDeleteShowsTheLoan", browserBlockedDelete},
		{"BlockedDeleteMarkReturnedInPlace", browserMarkReturnedInPlace},
		{"NoScriptBlockedDeleteMarkReturned", browserNoScriptMarkReturned},
		{"TrashRecovery", browserTrashRecovery(true)},
		{"NoScriptTrashRecovery", browserTrashRecovery(false)},
		{"EmptyStateWithScript", browserEmptyStateWithScript},
		{"ToastsStayClearEscapeAndEnter", browserToastsStayClear},
		{"NoScriptEnterInReason", browserNoScriptEnterInReason},
		{"RevokeTokenAsks", browserRevokeTokenAsks(true)},
		{"NoScriptRevokeTokenAsks", browserRevokeTokenAsks(false)},
		{"CopyNewToken", browserCopyNewToken(true)},
		{"NoScriptCopyNewToken", browserCopyNewToken(false)},
		{"BulkDeleteThenUndo", browserBulkDeleteThenUndo},
		{"DeleteForeverTypeToConfirm", browserDeleteForever},
		{"NotesCategoriesAndItemPage", browserNotesCategoriesItemPage},
		{"ExpiredCSRFTokenLosesNothing", browserExpiredCSRF},
		{"KeyboardOnlyDelete", browserKeyboardOnly},
		{"NoConsoleErrorsOrCSPViolations", browserEveryPageClean},
		{"PhoneFitsTheScreen", browserPhone},
		{"PhotosUploadTrashRestorePurge", browserPhotos},
		{"AdminAddsUserAndSetsPassword", browserAdminUsers(true)},
		{"NoScriptAdminAddsUserAndSetsPassword", browserAdminUsers(false)},
		{"TransferOffersRename", browserTransferRename(true)},
		{"NoScriptTransferOffersRename", browserTransferRename(false)},
		{"DatesInTheReadersTimeZone", browserDates(true)},
		{"NoScriptDatesInUTC", browserDates(false)},
		{"SelectAllMatching", browserDeleteMatching(true)},
		{"NoScriptSelectAllMatching", browserDeleteMatching(false)},
		{"OverviewChart", browserOverview},
	} {
		t.Run(sc.name, func(t *testing.T) { sc.run(t, browser) })
	}
}

// startChromium starts one headless Chromium for the whole test; it fails
// under CI=true when Chromium is missing, and skips elsewhere.
func startChromium(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true, so the browser tests must run, but Chromium is not at %s (.ci/run installs it with apt-get install -y chromium)", chromiumPath)
		}
		t.Skipf("skipping the browser tests: Chromium is not installed at %s (apt-get install -y chromium); under CI=true this is a failure", chromiumPath)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.WindowSize(1200, 800))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	// note: the first Run ties the browser's life to its context, so the
	// start is bounded by a timer rather than by a context with a deadline.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(browser) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("start Chromium: %v", err)
		}
	case <-time.After(30 * time.Second):
		cancelBrowser()
		t.Fatal("Chromium did not start within 30s")
	}
	return browser
}

// tab is one scenario's browser tab, in its own incognito context, with
// what its console said.
type tab struct {
	t   *testing.T
	e   *apiEnv
	ctx context.Context

	mu       sync.Mutex
	problems []string       // console errors, uncaught exceptions, CSP violations
	statuses map[int]string // non-2xx responses Chromium logged, by status
	allowed  map[int]bool   // statuses the scenario causes on purpose
	allowTxt []string       // console texts the scenario causes on purpose
}

// openTab opens a tab on e's server; scripts false runs it with JavaScript
// off. At the end of the scenario it fails on any console error or CSP
// violation, and on any non-2xx response the scenario did not allow.
func openTab(t *testing.T, browser context.Context, e *apiEnv, scripts bool) *tab {
	t.Helper()
	p := &tab{t: t, e: e, statuses: map[int]string{}, allowed: map[int]bool{}}
	tabCtx, cancelTab := chromedp.NewContext(browser, chromedp.WithNewBrowserContext(), chromedp.WithListener(p.listen))
	ctx, cancel := context.WithTimeout(tabCtx, scenarioTimeout)
	p.ctx = ctx
	t.Cleanup(func() {
		p.checkConsole()
		cancel()
		cancelTab()
	})
	// note: the first Run ties the tab's life to its context, so it gets the
	// scenario's context, not a step's.
	err := chromedp.Do(ctx, chromedp.EmulateViewport(1200, 800), chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
		// note: a violation is logged by Chromium too; this listener makes
		// sure it reaches the console however Chromium words it.
		_, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{
			Source: `document.addEventListener('securitypolicyviolation', (e) => console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));`})
		if err != nil || scripts {
			return err
		}
		_, err = chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	if err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return p
}

var networkStatus = regexp.MustCompile(`the server responded with a status of (\d{3})`)

// listen runs in the tab's event loop: it only records.
func (p *tab) listen(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		var parts []string
		for _, a := range ev.Args {
			if a.Description != "" {
				parts = append(parts, a.Description)
			} else {
				parts = append(parts, strings.Trim(string(a.Value), `"`))
			}
		}
		text := strings.Join(parts, " ")
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert ||
			strings.Contains(text, "Content Security Policy") {
			p.problems = append(p.problems, "console."+string(ev.Type)+": "+text)
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil {
			text += " " + d.Exception.Description
		}
		p.problems = append(p.problems, "uncaught exception: "+text+" at "+d.URL+":"+strconv.FormatInt(d.LineNumber+1, 10))
	case *cdplog.EventEntryAdded:
		en := ev.Entry
		// note: Chromium logs every non-2xx response as an error, the 409 of a
		// deliberately blocked delete too; scenarios allow what they cause
		// and assert on the page instead.
		if m := networkStatus.FindStringSubmatch(en.Text); en.Source == cdplog.EntrySourceNetwork && m != nil {
			code, _ := strconv.Atoi(m[1])
			p.statuses[code] = en.URL
			return
		}
		if en.Level == cdplog.EntryLevelError || strings.Contains(en.Text, "Content Security Policy") {
			p.problems = append(p.problems, "log ("+string(en.Source)+"): "+en.Text+" "+en.URL)
		}
	}
}

// allow lets the scenario cause these statuses on purpose.
func (p *tab) allow(codes ...int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range codes {
		p.allowed[c] = true
	}
}

// allowConsole lets the scenario cause console errors containing text.
func (p *tab) allowConsole(text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.allowTxt = append(p.allowTxt, text)
}

// takeProblems returns the console problems so far and forgets them.
func (p *tab) takeProblems() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	got := p.problems
	p.problems = nil
	return got
}

func (p *tab) checkConsole() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
problems:
	for _, s := range p.problems {
		for _, ok := range p.allowTxt {
			if strings.Contains(s, ok) {
				continue problems
			}
		}
		p.t.Errorf("browser console: %s", s)
	}
	for code, url := range p.statuses {
		if !p.allowed[code] {
			p.t.Errorf("unexpected HTTP %d for %s", code, url)
		}
	}
}

// do runs browser steps with a bounded time; what names them in failures.
func (p *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.t.Fatalf("%s: %v\n%s", what, err, p.state())
	}
}

// state describes the page for a failure message: where it is, and what its
// dialog, toasts and errors say.
func (p *tab) state() string {
	ctx, cancel := context.WithTimeout(p.ctx, 2*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[location.pathname + location.search,
  ...[...document.querySelectorAll('dialog[open], #toasts, .inline-error, [role=alert]')].map((n) => n.tagName + ': ' + n.innerText)].join('\n')`))
	if err != nil {
		return "(page state unknown: " + err.Error() + ")"
	}
	return "page: " + s
}

// run runs one browser action that returns a value, with a bounded time.
func run[T any](p *tab, what string, a chromedp.Action[T]) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		p.t.Fatalf("%s: %v\n%s", what, err, p.state())
	}
	return v
}

// js evaluates a JavaScript expression in the page.
func js[T any](p *tab, expr string) T {
	p.t.Helper()
	return run(p, expr, chromedp.Evaluate[T](expr))
}

// open loads a path and returns the response's status.
func (p *tab) open(path string) int64 {
	p.t.Helper()
	res := run(p, "open "+path, chromedp.NavigateResponse(p.e.ts.URL+path))
	return res.Status
}

// follow clicks something that loads a new page and returns its status.
func (p *tab) follow(sel string) (int64, *network.Response) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatalf("click %s: %v", sel, err)
	}
	return res.Status, res
}

func (p *tab) click(sel string) { p.t.Helper(); p.do("click "+sel, chromedp.Click(chromedp.CSS(sel))) }

func (p *tab) waitVisible(sel string) {
	p.t.Helper()
	p.do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
}

func (p *tab) waitGone(sel string) {
	p.t.Helper()
	p.do("wait for "+sel+" to go", chromedp.WaitNotPresent(chromedp.CSS(sel)))
}

// waitFor waits until a JavaScript expression is true.
func (p *tab) waitFor(what, expr string) {
	p.t.Helper()
	for deadline := time.Now().Add(stepTimeout); !js[bool](p, "!!("+expr+")"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			p.t.Fatalf("waited %v for %s\n%s", stepTimeout, what, p.state())
		}
	}
}

// dialogReady waits until the confirm dialog is open and has loaded what it
// states (it is aria-busy until then).
func (p *tab) dialogReady() {
	p.t.Helper()
	p.waitFor("the dialog", `document.querySelector('dialog[open]:not([aria-busy])')`)
}

// dialogError waits until the dialog shows an error.
func (p *tab) dialogError() {
	p.t.Helper()
	p.waitFor("an error in the dialog", `document.querySelector('dialog[open]:not([aria-busy]) [role=alert]:not([hidden])')`)
}

// text is the visible text of the first element sel finds.
func (p *tab) text(sel string) string {
	p.t.Helper()
	return run(p, "text of "+sel, chromedp.Text(chromedp.CSS(sel)))
}

// present reports whether sel finds anything now, without waiting.
func (p *tab) present(sel string) bool {
	p.t.Helper()
	n := run(p, "look for "+sel, chromedp.Nodes(chromedp.CSS(sel), chromedp.AtLeast(0)))
	return len(n) > 0
}

// path is the page's path now.
func (p *tab) path() string {
	p.t.Helper()
	loc := run(p, "location", chromedp.Location())
	return strings.TrimPrefix(loc, p.e.ts.URL)
}

// login logs in through the login form.
func (p *tab) login(who string) {
	p.t.Helper()
	if st := p.open("/login"); st != 200 {
		p.t.Fatalf("GET /login: %d", st)
	}
	p.do("fill in the login form",
		chromedp.SendKeys(chromedp.ID("email"), who+"@example.com"),
		chromedp.SendKeys(chromedp.ID("password"), "password-"+who))
	if st, _ := p.follow(`form[action="/login"] button[type=submit]`); st != 200 || p.path() != "/items" {
		p.t.Fatalf("login as %s: status %d at %s, want 200 at /items", who, st, p.path())
	}
}

// shot saves a screenshot of the viewport as docs/screenshots/name, only
// when SHELF_UPDATE_SCREENSHOTS=1 asks for it: a normal test run leaves the
// committed screenshots, and so the working tree, as they were.
func (p *tab) shot(name string) {
	p.t.Helper()
	if os.Getenv("SHELF_UPDATE_SCREENSHOTS") != "1" {
		return
	}
	png := run(p, "screenshot "+name, chromedp.CaptureScreenshot())
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name), png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// addScript runs source in every document the tab loads from now on.
func (p *tab) addScript(source string) {
	p.t.Helper()
	p.do("add a script", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: source})
		return err
	}))
}

// wantText fails unless got contains every one of want.
func wantText(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s: want %q in:\n%s", what, w, got)
		}
	}
}
