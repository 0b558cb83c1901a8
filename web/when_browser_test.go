package web

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// browserDates: in a browser set to Tokyo, an instant reads in Tokyo's time
// with UTC on hover; with JavaScript off the same text says UTC; a due day is
// the same day in either.
func browserDates(scripts bool) func(t *testing.T, browser context.Context) {
	return func(t *testing.T, browser context.Context) {
		e := newAPIEnv(t)
		p := openTab(t, browser, e, scripts)
		p.do("set Tokyo and British English", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Tokyo"}); err != nil {
				return err
			}
			_, err := chromedp.Call(ctx, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: "en_GB"})
			return err
		}))
		// 15:04 UTC on 4 March is 00:04 on 5 March in Tokyo (UTC+9).
		e.exec(`UPDATE items SET created_at = ? WHERE id = ?`, "2026-03-04T15:04:05.000000Z", e.ids["lent"])
		e.exec(`UPDATE loans SET due_at = ? WHERE id = ?`, "2999-03-20T00:00:00.000000Z", e.ids["loan"])
		p.login("owner")
		if st := p.open("/items/" + itoa(e.ids["lent"])); st != 200 {
			t.Fatalf("the Ladder's page: %d", st)
		}
		added := `document.querySelector('dl time[data-when]')`
		if title := js[string](p, added+`.title`); title != "4 Mar 2026, 15:04 UTC" {
			t.Errorf("the date's title is %q, want 4 Mar 2026, 15:04 UTC", title)
		}
		text := js[string](p, added+`.textContent`)
		if scripts {
			if text != "5 Mar 2026, 00:04 GMT+9" {
				t.Errorf("with the script, the date reads %q, want Tokyo's 5 Mar 2026, 00:04 GMT+9", text)
			}
		} else if text != "4 Mar 2026, 15:04 UTC" {
			t.Errorf("without the script, the date reads %q, want 4 Mar 2026, 15:04 UTC", text)
		}
		if due := js[string](p, `document.querySelector('time[datetime="2999-03-20"]').textContent`); due != "20 Mar 2999" {
			t.Errorf("the due day reads %q, want 20 Mar 2999 in any time zone", due)
		}
	}
}
