package web

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are Shelf's Prometheus metrics, in a registry of the server's own
// (not the global one), so that servers in tests do not collide.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	trashSize func(ctx context.Context) (int, error)

	mu        sync.Mutex
	trashAt   time.Time
	trashLast float64
}

// newMetrics makes the server's registry: its own request metrics, the
// Trash gauge, and the collectors of the service (what it deleted, restored
// and purged).
func newMetrics(trashSize func(ctx context.Context) (int, error), service []prometheus.Collector) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shelf_http_requests_total", Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "shelf_http_request_duration_seconds", Help: "HTTP request latency by route pattern and status.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "status"}),
		trashSize: trashSize,
	}
	m.reg.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "shelf_trash_items", Help: "Items in the Trash (capped count, refreshed at most every 15 s).",
		}, m.trash))
	m.reg.MustRegister(service...)
	return m
}

func (m *metrics) observe(route, method string, status int, d time.Duration) {
	code := strconv.Itoa(status)
	m.requests.WithLabelValues(route, method, code).Inc()
	// note: by status too, so that fast refusals (404, 409, 429) do not hide
	// slow successes in one route's histogram.
	m.latency.WithLabelValues(route, code).Observe(d.Seconds())
}

// trash reads the Trash size at most every 15 seconds, so scrapes stay cheap.
func (m *metrics) trash() float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if time.Since(m.trashAt) < 15*time.Second {
		return m.trashLast
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if n, err := m.trashSize(ctx); err == nil {
		m.trashLast, m.trashAt = float64(n), time.Now()
	}
	return m.trashLast
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// trashSizeCap caps the Trash gauge's count.
const trashSizeCap = 1_000_000
