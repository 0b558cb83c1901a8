package service

import "github.com/prometheus/client_golang/prometheus"

// counters are what the use cases deleted, restored and purged, counted here,
// once, after the change has committed, whichever way the request came: an
// HTML form, the JSON API, the background purge or the command line.
type counters struct {
	deletes  *prometheus.CounterVec
	restores *prometheus.CounterVec
	purges   *prometheus.CounterVec
}

func newCounters() counters {
	return counters{
		deletes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shelf_deletes_total", Help: "Things deleted, by kind (item_trash, photo_trash, note, category, user, token, user_erase; account for accounts deleted by their owner).",
		}, []string{"kind"}),
		restores: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shelf_restores_total", Help: "Things restored, by kind (item, cohort, photo from the Trash; account for an account an admin gave back).",
		}, []string{"kind"}),
		purges: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shelf_purges_total", Help: "Items purged for good, by kind (item, empty_trash, retention; photo for photos trashed on their own).",
		}, []string{"kind"}),
	}
}

// Collectors returns the service's metrics, for the registry that serves
// them (each service has its own counters, so services in tests never
// collide).
func (s *Service) Collectors() []prometheus.Collector {
	return []prometheus.Collector{s.count.deletes, s.count.restores, s.count.purges}
}

// counted adds n to one kind of a counter, when n is more than 0.
func counted(c *prometheus.CounterVec, kind string, n int) {
	if n > 0 {
		c.WithLabelValues(kind).Add(float64(n))
	}
}
