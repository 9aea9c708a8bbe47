//! Colours and text sizes: one distinct colour and word per task state, and a presenter
//! mode that is legible from the back of a lecture hall.

use crate::trace::TaskState;
use egui::{Color32, FontId, RichText, Stroke, TextStyle};

/// The colour of a task state, tuned to read on both themes.
pub fn state_colour(state: TaskState) -> Color32 {
    match state {
        TaskState::Created => Color32::from_rgb(140, 140, 150),
        TaskState::Scheduled => Color32::from_rgb(225, 160, 20),
        TaskState::Running => Color32::from_rgb(40, 130, 255),
        TaskState::Suspended => Color32::from_rgb(160, 100, 230),
        TaskState::Completed(_) => Color32::from_rgb(40, 170, 80),
        TaskState::Panicked(_) => Color32::from_rgb(230, 60, 50),
    }
}

/// A state badge: the word in white on the state's colour.
pub fn badge(word: &str, colour: Color32) -> RichText {
    RichText::new(crate::text::line_owned(format!(" {word} ")))
        .color(Color32::WHITE)
        .background_color(colour)
        .strong()
}

/// Highlight behind the line a task is suspended at.
pub fn current_line(dark: bool) -> Color32 {
    if dark {
        Color32::from_rgba_unmultiplied(255, 200, 0, 70)
    } else {
        Color32::from_rgba_unmultiplied(255, 190, 0, 110)
    }
}

/// Shading behind the outer frames of the await chain.
pub fn chain_line(dark: bool) -> Color32 {
    if dark {
        Color32::from_rgba_unmultiplied(120, 150, 255, 40)
    } else {
        Color32::from_rgba_unmultiplied(90, 120, 255, 50)
    }
}

/// Applies theme, zoom and presenter mode to every style of the context.
/// Text that says something is missing or went wrong, readable on either theme.
pub fn warning(dark: bool) -> Color32 {
    if dark {
        Color32::from_rgb(240, 170, 80)
    } else {
        Color32::from_rgb(160, 80, 0)
    }
}

/// A breakpoint's dot in the code's margin.
pub fn breakpoint(dark: bool) -> Color32 {
    if dark {
        Color32::from_rgb(235, 80, 70)
    } else {
        Color32::from_rgb(200, 30, 30)
    }
}

pub fn apply(ctx: &egui::Context, dark: bool, presenter: bool, zoom: f32) {
    ctx.set_theme(if dark {
        egui::Theme::Dark
    } else {
        egui::Theme::Light
    });
    ctx.set_zoom_factor(zoom);
    let scale = if presenter { 1.6 } else { 1.0 };
    ctx.all_styles_mut(|style| {
        let sizes = [
            (TextStyle::Small, 11.0),
            (TextStyle::Body, 14.0),
            (TextStyle::Monospace, 14.0),
            (TextStyle::Button, 14.0),
            (TextStyle::Heading, 20.0),
        ];
        for (text_style, size) in sizes {
            // Presenter mode has no small text: Small is as large as Body.
            let size = if presenter && text_style == TextStyle::Small {
                14.0
            } else {
                size
            };
            let family = if text_style == TextStyle::Monospace {
                egui::FontFamily::Monospace
            } else {
                egui::FontFamily::Proportional
            };
            // Code is scaled less: two columns of it (Rust and Python) must still hold a
            // line each on a 1280 px projector.
            let scale = if presenter && text_style == TextStyle::Monospace {
                1.35
            } else {
                scale
            };
            style
                .text_styles
                .insert(text_style, FontId::new(size * scale, family));
        }
        let visuals = &mut style.visuals;
        let width = if presenter { 3.0 } else { 1.0 };
        visuals.selection.stroke = Stroke::new(width, visuals.selection.stroke.color);
        let contrast = if visuals.dark_mode {
            Color32::WHITE
        } else {
            Color32::BLACK
        };
        visuals.override_text_color = presenter.then_some(contrast);
    });
}
