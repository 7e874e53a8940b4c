// Package mkpf is the MyKey Platform vocabulary shared by the terminal, the reference server and the CLI: the
// identifiers of the documents (MyKey ID, ID issuer, municipality code with its check digit, terminal kinds), the
// hand-off settings of an ID issuer, and the JSON wire types of the /v1 API with its error envelope.
//
// It imports nothing outside the standard library so every other package (including the Android and Windows builds)
// can use it.
package mkpf
