package web

import (
	"net/http"

	"shelf"
	"shelf/events"
)

// jobLocation is where a job answers GET.
func jobLocation(id int64) string { return "/api/v1/jobs/" + itoa(id) }

// writeJobAccepted answers a deletion that runs as a job: 202, Location
// naming the job, the job as body.
func writeJobAccepted(w http.ResponseWriter, j *shelf.Job) {
	w.Header().Set("Location", jobLocation(j.ID))
	writeJSON(w, http.StatusAccepted, j)
}

type jobsResponse struct {
	Jobs []shelf.Job `json:"jobs"`
	Next *string     `json:"next"`
}

// apiListJobs lists the caller's jobs, newest first (everyone's for an
// admin with ?all=1).
func (s *Server) apiListJobs(w http.ResponseWriter, r *http.Request) {
	f, all, err := itemFilter(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	page, err := s.svc.Jobs(r.Context(), actor(r), f.After, f.Limit, all)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.setNextLink(w, r, page.Next)
	writeJSON(w, http.StatusOK, jobsResponse{Jobs: page.Jobs, Next: nextCursor(page.Next)})
}

func (s *Server) apiGetJob(w http.ResponseWriter, r *http.Request) {
	answerByID(s, w, r, s.svc.Job)
}

// apiRetryJob starts a failed job again (admins): 200 with the job.
func (s *Server) apiRetryJob(w http.ResponseWriter, r *http.Request) {
	answerByID(s, w, r, s.svc.RetryJob)
}

// PublishJob tells this process's event streams of a job's progress:
// job.progress after each batch, job.done once it has ended (done or
// failed), with the job as data. Only those who may see the job's owner's
// things hear of it. The other instances' streams hear of it through their
// brokers (a wake-up from the service that runs the job); a page that
// follows a job also reads it at its address.
func (s *Server) PublishJob(j shelf.Job) {
	s.events.Publish(events.FromJob(j))
}
