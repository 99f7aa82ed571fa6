//! Mounts the console on the page Trunk builds from `console/index.html`.

fn main() {
    leptos::mount::mount_to_body(answerdesk_console::ui::App);
}
