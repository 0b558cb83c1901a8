package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"shelf"
)

// idempotent honours Idempotency-Key on POST: the first request with a key
// runs and its answer (status, Location, body) is kept for the user and the
// route; a retry with the same key and body gets that answer again, marked
// Idempotent-Replayed: true, and nothing runs twice. The service decides
// what a key may be, how long it is kept and when bodies differ.
func (s *Server) idempotent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		if r.Method != http.MethodPost || key == "" {
			next.ServeHTTP(w, r)
			return
		}
		limit, compared := int64(maxBody), []byte(nil)
		mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt == "multipart/form-data" {
			limit = maxUpload
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			tl := tooLarge()
			if mt == "multipart/form-data" {
				tl = &httpError{code: shelf.ETOOLARGE, msg: fmt.Sprintf("The upload is larger than %d MiB.", shelf.MaxPhotoBytes>>20)}
			}
			s.apiError(w, r, tl)
			return
		} else if err != nil {
			s.apiError(w, r, shelf.Errorf(shelf.EMALFORMED, "The request body could not be read."))
			return
		}
		compared = body
		if b := params["boundary"]; mt == "multipart/form-data" && b != "" {
			// note: a client picks a new boundary for each send; a retry
			// of the same upload is the same request.
			compared = bytes.ReplaceAll(body, []byte(b), []byte("boundary"))
		}
		a, route := actor(r), r.Method+" "+r.URL.Path
		replay, err := s.svc.ClaimIdempotencyKey(r.Context(), a, route, key, compared)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		if replay != nil {
			if replay.Location != "" {
				w.Header().Set("Location", replay.Location)
			}
			if replay.ContentType != "" {
				w.Header().Set("Content-Type", replay.ContentType)
			}
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Idempotent-Replayed", "true")
			w.Header().Set("Content-Length", strconv.Itoa(len(replay.Body)))
			w.WriteHeader(replay.Status)
			_, _ = w.Write(replay.Body)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		rec := &recordingWriter{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		res := shelf.IdempotentResponse{Status: rec.status, Location: w.Header().Get("Location"),
			ContentType: w.Header().Get("Content-Type"), Body: rec.body.Bytes()}
		if res.Status == 0 {
			res.Status = http.StatusOK
		}
		if kept := infoFrom(r).replayBody; kept != nil {
			res.Body = kept
		}
		// note: the answer is already on its way; it is recorded even if the
		// client has gone, since the work it reports is done.
		if err := s.svc.FinishIdempotencyKey(context.WithoutCancel(r.Context()), a, route, key, res); err != nil {
			s.log.Error("idempotency key not recorded", "request_id", infoFrom(r).id, "err", err)
		}
	})
}

// recordingWriter passes a response through and keeps a copy of it.
type recordingWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *recordingWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
