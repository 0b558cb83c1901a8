package web

import (
	"encoding/json"
	"net/http"

	"shelf"
)

// jobPath is a job's page.
func jobPath(id int64) string { return "/jobs/" + itoa(id) }

// jobView is the data of a job's page: a progress bar that follows the job
// (the script reads the stream and the job's address; without JavaScript
// the page refreshes itself until the job ends), and its outcome once it
// has ended.
type jobView struct {
	Job      shelf.Job
	Max      int64 // the progress bar's max: total, at least 1
	Percent  int64
	Outcome  string
	Undo     string // a bulk delete's cohort, which the Undo form restores
	CanRetry bool
	All      bool   // the viewer follows everyone's events (an admin's view of another's job)
	Back     string // where the things the job deletes were
}

// jobTitles say what a job does, for its page.
var jobTitles = map[string]string{
	shelf.JobEmptyTrash: "Emptying the Trash",
	shelf.JobPurgeItem:  "Deleting an item forever",
	shelf.JobBulkDelete: "Moving items to the Trash",
	shelf.JobErase:      "Erasing a user",
}

// jobPage shows one job that the viewer may see (404 otherwise).
func (s *Server) jobPage(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok {
		return
	}
	a := actor(r)
	j, err := s.svc.Job(r.Context(), a, id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := jobView{Job: j, Max: max(j.Total, 1), CanRetry: j.State == shelf.JobFailed && a.IsAdmin(),
		All: a.IsAdmin() && j.OwnerID != a.UserID, Back: "/trash"}
	v.Percent = min(100, j.Done*100/v.Max)
	switch j.Kind {
	case shelf.JobBulkDelete:
		v.Back = "/items"
	case shelf.JobErase:
		v.Back = "/admin/users"
	}
	if v.All && j.Kind != shelf.JobErase {
		v.Back += "?all=1"
	}
	if j.State == shelf.JobDone {
		v.Outcome, v.Undo = jobOutcome(j)
	}
	s.render(w, r, http.StatusOK, "job", jobTitles[j.Kind], v)
}

// jobOutcome puts a finished job's result into words, as the flash of the
// synchronous request would have, with the cohort that undoes a bulk delete.
func jobOutcome(j shelf.Job) (string, string) {
	switch j.Kind {
	case shelf.JobEmptyTrash:
		var res shelf.EmptyTrashResult
		if json.Unmarshal(j.Result, &res) == nil {
			return "Purged " + countPhrase(res.Purged, "item", "items") + "." + heldPhrase(res.Blocked), ""
		}
	case shelf.JobPurgeItem:
		var res struct{ Purged int }
		if json.Unmarshal(j.Result, &res) == nil && res.Purged == 1 {
			return "Deleted the item forever, with its notes and loans.", ""
		}
		return "Nothing was deleted: a legal hold keeps the item in the Trash.", ""
	case shelf.JobBulkDelete:
		var res shelf.BulkTrashResult
		if json.Unmarshal(j.Result, &res) == nil {
			f := bulkFlash(res)
			return f.Text, f.Cohort
		}
	case shelf.JobErase:
		var res shelf.EraseResult
		if json.Unmarshal(j.Result, &res) == nil {
			// note: by id only, as the synchronous erasure's flash.
			return "Erased user #" + itoa(res.ErasedUser) + "; nothing of them is left.", ""
		}
	}
	return "Done.", ""
}

// retryJob starts a failed job again (admins), then shows it.
func (s *Server) retryJob(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathIDOr400(w, r)
	if !ok || !s.readForm(w, r) {
		return
	}
	if _, err := s.svc.RetryJob(r.Context(), actor(r), id); err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.setFlash(r, flash{Kind: "success", Text: "The job starts again from where it stopped."})
	redirect(w, r, jobPath(id))
}
