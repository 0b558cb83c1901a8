package service

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"shelf"
	"shelf/store"
)

// WebhookInput is what a caller gives to register a webhook.
type WebhookInput struct {
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description"`
	All         bool     `json:"all"`
}

// maxWebhookDeliveries is how many attempts the delivery log shows.
const maxWebhookDeliveries = 100

// WithWebhookPrivate lets webhooks reach loopback, private and link-local
// addresses (shelf serve --webhook-allow-private); tests use a loopback
// receiver.
func WithWebhookPrivate(allow bool) Option { return func(s *Service) { s.webhookPrivate = allow } }

// WebhookPrivateAllowed reports whether webhooks may reach private addresses.
func (s *Service) WebhookPrivateAllowed() bool { return s.webhookPrivate }

// PrivateAddr reports whether a webhook must not be sent to ip: loopback,
// private, link-local, unspecified or otherwise not a public unicast
// address (an IPv4 address mapped into IPv6 counts as itself).
func PrivateAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() ||
		netip.MustParsePrefix("100.64.0.0/10").Contains(ip) // note: carrier-grade NAT, private in practice
}

// CheckWebhookAddr refuses ip unless private addresses are allowed; the
// webhook sender calls it for the address it is about to connect to, so a
// name that resolves (or rebinds) to a private address is refused too.
func (s *Service) CheckWebhookAddr(ip netip.Addr) error {
	if !s.webhookPrivate && PrivateAddr(ip) {
		return shelf.Errorf(shelf.EINVALID, "Webhooks may not be sent to %s: a loopback, private or link-local address.", ip)
	}
	return nil
}

// CreateWebhook registers a webhook for the actor's things (or everyone's,
// for an admin asking for all) and returns it with its secret, which is
// shown this once.
func (s *Service) CreateWebhook(ctx context.Context, a shelf.Actor, in WebhookInput) (shelf.Webhook, error) {
	if err := requireUser(a); err != nil {
		return shelf.Webhook{}, err
	}
	if in.All && !a.IsAdmin() {
		return shelf.Webhook{}, shelf.Errorf(shelf.EFORBIDDEN, "Only an administrator may hear of everyone's changes.")
	}
	fields := map[string]string{}
	u, err := url.Parse(strings.TrimSpace(in.URL))
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "":
		fields["url"] = "Give an http or https URL."
	case u.User != nil:
		fields["url"] = "A webhook URL may not carry a user name or password."
	default:
		if msg := s.checkWebhookHost(ctx, u.Hostname()); msg != "" {
			fields["url"] = msg
		}
	}
	if len(in.Events) == 0 {
		fields["events"] = "Choose at least one event type."
	}
	seen := map[string]bool{}
	var types []string
	for _, t := range in.Events {
		if !shelf.IsEventType(t) {
			fields["events"] = fmt.Sprintf("%q is not an event type; choose from %s.", t, strings.Join(shelf.EventTypes, ", "))
			break
		}
		if !seen[t] {
			seen[t] = true
			types = append(types, t)
		}
	}
	switch {
	case !utf8.ValidString(in.Description):
		fields["description"] = "The description must be valid UTF-8 text."
	case len(in.Description) > 1000:
		fields["description"] = "At most 1,000 characters."
	case strings.ContainsFunc(in.Description, shelf.NotInName):
		// note: the description is how a webhook is named in lists.
		fields["description"] = "The description cannot contain control characters or invisible formatting characters."
	}
	if len(fields) > 0 {
		return shelf.Webhook{}, shelf.Invalid(fields)
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	w := shelf.Webhook{OwnerID: a.UserID, URL: u.String(), Events: types, Description: in.Description, All: in.All,
		Secret: "whsec_" + base64.StdEncoding.EncodeToString(secret), CreatedAt: s.Now()}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		// note: a new webhook hears of what commits from now on.
		var err error
		if w.Cursor, err = tx.EventHead(ctx); err != nil {
			return err
		}
		w, err = tx.InsertWebhook(ctx, w)
		return err
	})
	return w, err
}

// checkWebhookHost refuses a host that is, or resolves to, a private
// address (unless those are allowed); the sender checks again at connect
// time, since a name can resolve differently later.
func (s *Service) checkWebhookHost(ctx context.Context, host string) string {
	if s.webhookPrivate {
		return ""
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if PrivateAddr(ip) {
			return "Webhooks may not be sent to loopback, private or link-local addresses."
		}
		return ""
	}
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return "Webhooks may not be sent to loopback, private or link-local addresses."
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(rctx, "ip", host)
	if err != nil {
		return "" // note: a name that does not resolve yet fails at delivery, logged there
	}
	for _, ip := range addrs {
		if PrivateAddr(ip) {
			return "That name resolves to a loopback, private or link-local address."
		}
	}
	return ""
}

// Webhooks lists the actor's webhooks (an admin's own too: a webhook belongs
// to whoever registered it).
func (s *Service) Webhooks(ctx context.Context, a shelf.Actor) ([]shelf.Webhook, error) {
	if err := requireUser(a); err != nil {
		return nil, err
	}
	var ws []shelf.Webhook
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		ws, err = tx.Webhooks(ctx, &a.UserID)
		return err
	})
	for i := range ws {
		ws[i].Secret = ""
	}
	if ws == nil {
		ws = []shelf.Webhook{}
	}
	return ws, err
}

// webhookFor returns a webhook the actor may see (their own; an admin any).
func webhookFor(ctx context.Context, tx *store.Tx, a shelf.Actor, id int64) (shelf.Webhook, error) {
	w, err := visible(ctx, a, "Webhook", id, tx.WebhookByID, webhookOwner, nil)
	w.Secret = ""
	return w, err
}

// Webhook returns one webhook, without its secret.
func (s *Service) Webhook(ctx context.Context, a shelf.Actor, id int64) (shelf.Webhook, error) {
	if err := requireUser(a); err != nil {
		return shelf.Webhook{}, err
	}
	var w shelf.Webhook
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		w, err = webhookFor(ctx, tx, a, id)
		return err
	})
	return w, err
}

// DeleteWebhook removes a webhook and its delivery log.
func (s *Service) DeleteWebhook(ctx context.Context, a shelf.Actor, id int64) error {
	if err := requireUser(a); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := webhookFor(ctx, tx, a, id); err != nil {
			return err
		}
		ok, err := tx.DeleteWebhook(ctx, id)
		if err == nil && !ok {
			return notFound("Webhook")
		}
		return err
	})
}

// WebhookDeliveries returns the webhook's latest delivery attempts, newest
// first.
func (s *Service) WebhookDeliveries(ctx context.Context, a shelf.Actor, id int64) (shelf.Webhook, []shelf.WebhookDelivery, error) {
	if err := requireUser(a); err != nil {
		return shelf.Webhook{}, nil, err
	}
	var w shelf.Webhook
	var ds []shelf.WebhookDelivery
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		if w, err = webhookFor(ctx, tx, a, id); err != nil {
			return err
		}
		ds, err = tx.WebhookDeliveries(ctx, id, maxWebhookDeliveries)
		return err
	})
	if ds == nil {
		ds = []shelf.WebhookDelivery{}
	}
	return w, ds, err
}
