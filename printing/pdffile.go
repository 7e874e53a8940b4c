package printing

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
)

// pdfFile "prints" by saving the Document's PDF to a file ("pdf:/path/file.pdf").
type pdfFile struct{ spec, path string }

func (p *pdfFile) Name() string { return p.spec }

func (p *pdfFile) Print(_ context.Context, doc Document) (string, error) {
	if len(doc.PDF) == 0 {
		return "", errf(ErrNoContent, "PDFにする内容がありません")
	}
	if dir := filepath.Dir(p.path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", errf(err, "PDFの保存先「%s」を作れません", dir)
		}
	}
	if err := os.WriteFile(p.path, doc.PDF, 0o644); err != nil {
		return "", errf(err, "PDFを「%s」に保存できません。保存先を確認してください", p.path)
	}
	return "", nil
}

func encodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, toGray(img)); err != nil {
		return nil, errf(err, "印刷する画像を作れませんでした")
	}
	return buf.Bytes(), nil
}
