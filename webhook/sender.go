package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"syscall"
	"time"

	"shelf"
	"shelf/service"
)

// Sender delivers due webhook events until its context ends. Run it in
// every instance: the service's claims make each attempt one worker's.
type Sender struct {
	Service *service.Service
	Logger  *slog.Logger
	// Workers is how many deliveries run at once (default 4), so that one
	// receiver that hangs holds one worker, not the others.
	Workers int
	// Poll is how often due retries are looked for without a wake-up
	// (default 1 s).
	Poll time.Duration

	client *http.Client
	wake   chan struct{}
}

// payload is the body of a delivery.
type payload struct {
	Type      string      `json:"type"`
	Timestamp time.Time   `json:"timestamp"`
	Data      shelf.Event `json:"data"`
}

// NewClient returns the HTTP client deliveries use: the delivery timeout,
// no proxy from the environment and no redirects (either could lead
// elsewhere than the address checked), and a dialer that asks check about
// the address it is about to connect to, after the name was resolved, so
// that DNS rebinding cannot reach a private address.
func NewClient(check func(netip.Addr) error) *http.Client {
	dialer := &net.Dialer{Timeout: shelf.WebhookTimeout, Control: func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("webhook: unexpected address %q", address)
		}
		return check(ap.Addr())
	}}
	return &http.Client{
		Timeout:       shelf.WebhookTimeout,
		Transport:     &http.Transport{DialContext: dialer.DialContext, MaxIdleConnsPerHost: 4, IdleConnTimeout: time.Minute},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Run delivers until ctx ends.
func (s *Sender) Run(ctx context.Context) {
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.Workers <= 0 {
		s.Workers = 4
	}
	if s.Poll <= 0 {
		s.Poll = time.Second
	}
	s.client = NewClient(s.Service.CheckWebhookAddr)
	s.wake = make(chan struct{}, 1)
	poke := func() {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	s.Service.OnEvents(poke)
	go func() { _ = s.Service.ListenEvents(ctx, poke) }()

	var wg sync.WaitGroup
	work := make(chan struct{})
	// call puts n more idle workers to a pass over the due webhooks; the
	// claims share the webhooks out between them.
	call := func(n int) {
		for range n {
			select {
			case work <- struct{}{}:
			default:
				return // note: the others are busy, and will look again
			}
		}
	}
	for range s.Workers {
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case <-work:
				}
				// note: a pass that finds something to send calls the other
				// workers, so that a backlog of several webhooks goes out in
				// parallel; one that finds nothing leaves them idle. When
				// every wake-up (each commit that wrote events) sent all of
				// them looking, their empty passes were a large share of
				// what a delete load cost PostgreSQL (docs/performance.md).
				s.pass(ctx, func() { call(s.Workers - 1) })
			}
		})
	}
	tick := time.NewTicker(s.Poll)
	defer tick.Stop()
	for {
		call(1)
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-s.wake:
		case <-tick.C:
		}
	}
}

// pass claims due webhooks one after another and delivers each one's next
// event, until none is left. It calls found when it first has an event
// to send.
func (s *Sender) pass(ctx context.Context, found func()) {
	var after int64
	sent := false
	for ctx.Err() == nil {
		job, claimed, err := s.Service.NextWebhookDelivery(ctx, after)
		if err != nil {
			if ctx.Err() == nil {
				s.Logger.Warn("webhooks: claim failed", "err", err)
			}
			return
		}
		if !claimed {
			return
		}
		if job.Event.ID == 0 {
			after = job.Webhook.ID // note: nothing to send; on to the next webhook
			continue
		}
		if !sent {
			sent = true
			found()
		}
		// note: after a delivery the same webhook is claimed again, so that a
		// backlog drains at the receiver's pace rather than one event per
		// wake-up; a failed one is not due again until its backoff ends.
		status, errText := s.send(ctx, job)
		d, err := s.Service.FinishWebhookDelivery(context.WithoutCancel(ctx), job, status, errText)
		if err != nil {
			s.Logger.Warn("webhooks: recording a delivery failed; it will be sent again", "webhook", job.Webhook.ID, "err", err)
			continue
		}
		if d.Error != nil {
			s.Logger.Info("webhook delivery failed", "webhook", job.Webhook.ID, "event", job.Event.ID, "attempt", d.Attempt, "error", *d.Error)
		}
	}
}

// send makes one attempt and returns the receiver's status (nil when it
// did not answer) and what went wrong, if anything.
func (s *Sender) send(ctx context.Context, job service.WebhookJob) (*int, string) {
	body, _ := json.Marshal(payload{Type: job.Event.Action, Timestamp: job.Event.At, Data: job.Event})
	id := strconv.FormatInt(job.Event.ID, 10)
	now := time.Now().Unix()
	sig, err := Sign(job.Webhook.Secret, id, now, body)
	if err != nil {
		return nil, "The webhook's secret cannot sign."
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, job.Webhook.URL, bytes.NewReader(body))
	if err != nil {
		return nil, "The webhook's URL cannot be requested."
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Shelf-Webhooks")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now, 10))
	req.Header.Set("webhook-signature", sig)
	res, err := s.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, "Shelf stopped during the delivery."
		}
		return nil, describe(err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	status := res.StatusCode
	if status >= 200 && status < 300 {
		return &status, ""
	}
	return &status, fmt.Sprintf("The receiver answered %d.", status)
}

// describe says what went wrong with a request, without Go's error text.
func describe(err error) string {
	var se *shelf.Error
	if e := shelf.AsError(err); e != nil {
		se = e
	}
	switch {
	case se != nil:
		return se.Message
	case isTimeout(err):
		return fmt.Sprintf("No answer within %s.", shelf.WebhookTimeout)
	default:
		return "The receiver could not be reached."
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
