package web

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
)

// Encoded is a success response of the API encoded once, to be served to many clients: the envelope with its data
// as JSON, plain and gzipped. A function of Options (SLOs) may return one instead of data; as data it marshals to
// the data it was made from.
type Encoded struct {
	plain, gzipped []byte
	data           []byte // the data's JSON, within plain
}

// Encode encodes data in the API's success envelope, once.
func Encode(data any) (*Encoded, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	const prefix = `{"status":"success","data":`
	plain := make([]byte, 0, len(prefix)+len(raw)+2)
	plain = append(append(append(plain, prefix...), raw...), "}\n"...)
	var buf bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	_, _ = gz.Write(plain)
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return &Encoded{plain: plain, gzipped: buf.Bytes(), data: plain[len(prefix) : len(prefix)+len(raw)]}, nil
}

// MarshalJSON is the data's JSON.
func (e *Encoded) MarshalJSON() ([]byte, error) { return e.data, nil }

// serve writes e, gzipped when the client accepts it.
func (e *Encoded) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Add("Vary", "Accept-Encoding")
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(e.gzipped)
		return
	}
	_, _ = w.Write(e.plain)
}
