package web

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"time"

	"shelf"
)

// maxUpload bounds a whole photo upload request: the file's own limit and
// room for the multipart framing and a few small fields.
const maxUpload = shelf.MaxPhotoBytes + 64<<10

// photoList is GET /api/v1/items/{id}/photos.
type photoList struct {
	Photos []shelf.Photo `json:"photos"`
}

func (s *Server) apiListPhotos(w http.ResponseWriter, r *http.Request) {
	answerByID(s, w, r, func(ctx context.Context, a shelf.Actor, id int64) (photoList, error) {
		photos, err := s.svc.ItemPhotos(ctx, a, id)
		return photoList{Photos: photos}, err
	})
}

func (s *Server) apiAddPhoto(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	p, err := s.svc.AddPhoto(r.Context(), actor(r), id, func() (io.Reader, error) { return uploadedFile(w, r, nil) })
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeCreated(w, "photos", p.ID, p)
}

// uploadedFile finds the part named "file" of a multipart/form-data body
// and returns a reader of it: 415 for another content type, 422 without a
// file part, 413 past maxUpload, 400 for a body that breaks off. mr, if not
// nil, is the body already opened (by the HTML form's CSRF check, which
// read the fields before the file).
func uploadedFile(w http.ResponseWriter, r *http.Request, mr *multipart.Reader) (io.Reader, error) {
	if mr == nil {
		var err error
		if mr, err = multipartBody(w, r); err != nil {
			return nil, err
		}
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, shelf.Invalid(map[string]string{"file": "Choose a photo to upload (the form field is named file)."})
		}
		if err != nil {
			return nil, uploadError(err)
		}
		if part.FormName() == "file" {
			return uploadReader{part}, nil
		}
	}
}

// multipartBody checks that the request is multipart/form-data and bounds
// what is read of it.
func multipartBody(w http.ResponseWriter, r *http.Request) (*multipart.Reader, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, &httpError{code: shelf.EMEDIATYPE, msg: "Send the photo as multipart/form-data, in a field named file."}
	}
	if r.ContentLength > maxUpload {
		return nil, uploadTooLarge()
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	return multipart.NewReader(r.Body, params["boundary"]), nil
}

func uploadTooLarge() error {
	return shelf.Errorf(shelf.EPHOTOSIZE, "The photo is larger than %d MiB.", shelf.MaxPhotoBytes>>20)
}

// uploadError turns a failure to read the upload into what the client is
// told: too large (413), or a body that is not well-formed (400).
func uploadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return uploadTooLarge()
	}
	return shelf.Errorf(shelf.EMALFORMED, "The upload could not be read; send it again.")
}

// uploadReader reads a file part, turning read errors into coded ones.
type uploadReader struct{ r io.Reader }

func (u uploadReader) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		return n, uploadError(err)
	}
	return n, err
}

// apiPhoto serves a photo's file (?size=thumb: its thumbnail) to whoever
// may see its item: with the stored media type, nosniff, a sandbox CSP (an
// image opened on its own runs nothing), a strong ETag (its content hash)
// and private caching.
func (s *Server) apiPhoto(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var thumb bool
	switch r.URL.Query().Get("size") {
	case "", "full":
	case "thumb":
		thumb = true
	default:
		s.apiError(w, r, shelf.Errorf(shelf.EMALFORMED, "size must be thumb or full."))
		return
	}
	p, f, contentType, err := s.svc.OpenPhoto(r.Context(), actor(r), id, thumb)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	h.Set("Cache-Control", "private")
	tag := p.SHA256
	if thumb {
		tag += "-thumb"
	}
	h.Set("ETag", `"`+tag+`"`)
	http.ServeContent(w, r, "", time.Time{}, f)
}

func (s *Server) apiTrashPhoto(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	_, cohort, err := s.svc.TrashPhoto(r.Context(), actor(r), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("X-Shelf-Cohort", cohort)
	w.WriteHeader(http.StatusNoContent)
}
