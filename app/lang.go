package app

import (
	"embed"
	"os"

	"fyne.io/fyne/v2/lang"
)

// The Japanese text is the default written in the code (lang.X's fallback, the documents' wording); translations/
// holds English (en.json) and a ja.json that makes Japanese a supported locale, so Fyne's own strings do not fall
// back to English on a Japanese terminal.
//
//go:embed translations
var translations embed.FS

// SetLanguage selects the UI language ("ja" default, "en") for the whole process. Call it before the first window.
func SetLanguage(l string) error {
	loc := "ja_JP.UTF-8"
	if l == "en" {
		loc = "en_US.UTF-8"
	}
	// Fyne's lang package reads the locale from the environment when translations are added.
	for _, k := range []string{"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"} {
		os.Setenv(k, loc)
	}
	english = l == "en"
	return lang.AddTranslationsFS(translations, "translations")
}

var english bool

// tr is the UI text for key: the Japanese wording (ja) unless English was chosen, then Fyne's lang translation from
// translations/en.json (falling back to ja). Japanese never goes through the lookup, so a Japanese terminal logs no
// "translation not found" noise.
func tr(key, ja string) string {
	if english {
		return lang.X(key, ja)
	}
	return ja
}
