//! `e` and `E` on the Library screen: export what is selected, choose the format, and the
//! notice when the export is done.

use spotsync_core::export::Written;

use super::{Action, App, Handled};
use crate::tui::export::{self, ExportRequest, ExportWhat};

impl App {
    /// `e`: export the tab's list (the selected playlist on the Playlists tab) in the chosen
    /// format; the event loop writes it off the UI thread.
    pub(super) fn export_selected(&mut self) -> Handled {
        let tab = self.library.tab();
        let row = self.library.current().selected_row();
        if let Some(r) = row.filter(|r| r.removed.is_some())
            && tab == crate::store::browse::Tab::Playlists
        {
            let text = format!(
                "“{}” is no longer in the library: `spotsync export --as-of DATE` exports it as \
                 it was",
                r.name
            );
            self.warn(text);
            return Handled::DONE;
        }
        let selected = row.map(|r| (r.id.as_str(), r.name.as_str()));
        match ExportWhat::for_tab(tab, selected) {
            Ok(what) => {
                let req =
                    ExportRequest::new(what, self.export_format, self.setup.export_dir.clone());
                self.info(format!(
                    "Exporting {} as {} to {}…",
                    req.what.label(),
                    export::format_name(req.format),
                    req.dir.display()
                ));
                Handled::act(Action::Export(req))
            }
            Err(why) => {
                self.warn(why);
                Handled::DONE
            }
        }
    }

    /// `E`: the next export format.
    pub(super) fn cycle_export_format(&mut self) -> Handled {
        self.export_format = export::next_format(self.export_format);
        let name = export::format_name(self.export_format);
        let note = match self.export_format {
            spotsync_core::export::Format::ListenBrainz => {
                " (the plays; other lists as JSPF, albums and artists as CSV)"
            }
            f if f.track_lists_only() => " (albums and artists stay CSV)",
            _ => "",
        };
        self.info(format!("Export format: {name}{note}; e exports"));
        Handled::DONE
    }

    pub(super) fn on_exported(
        &mut self,
        req: &ExportRequest,
        result: &Result<Vec<Written>, String>,
    ) -> Handled {
        let text = export::outcome_text(req, result);
        if result.is_ok() {
            self.info(text);
        } else {
            self.error(text);
        }
        Handled::DONE
    }
}
