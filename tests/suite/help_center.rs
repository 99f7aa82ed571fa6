//! The help center's own pages with the widget beside them: the search box answers as the visitor types
//! (from kb-core, in the browser), by keyboard too; an article's image is published and shown, on the
//! help center's page and in the widget on another site.

use answerdesk_e2e::{Browser, ROOT, help_center, storefront};
use fantoccini::Locator;
use fantoccini::key::Key;
use serde_json::json;

/// The shadow root of the list under the help center's search box.
const INLINE: &str = "document.querySelector('answerdesk-inline')?.shadowRoot";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_help_centers_search_box_answers_as_the_visitor_types_and_by_keyboard() {
    let help = help_center().await.unwrap();
    let browser = Browser::start(1280, 900).await.unwrap();
    browser.client.goto(&format!("{}/vi/", help.origin())).await.unwrap();
    browser.client.find(Locator::Css("#q")).await.unwrap().click().await.unwrap();
    browser.type_text("doi tra").await.unwrap();
    let titles = browser
        .wait_for(
            &format!("[...{INLINE}?.querySelectorAll('.hit-title') ?? []].map(e => e.textContent).join('|') || null"),
            "results under the search box",
        )
        .await
        .unwrap();
    let titles = titles.as_str().unwrap().to_lowercase();
    assert!(titles.contains("đổi trả"), "searched without tone marks, found with them: {titles}");
    // The same answer as kb-core gives natively is first (the engine is the same, in wasm).
    let first = browser
        .js(&format!("return {INLINE}.querySelector('.hit').getAttribute('href')"), vec![])
        .await
        .unwrap();
    assert_eq!(first, json!("/vi/returns/return-policy/"));

    // Down from the box to the first result, then Enter follows it.
    browser.keys(&[Key::Down.into()]).await.unwrap();
    let focused =
        browser.js(&format!("return {INLINE}.activeElement?.getAttribute('href')"), vec![]).await.unwrap();
    assert_eq!(focused, first);
    browser.keys(&[Key::Enter.into()]).await.unwrap();
    browser
        .wait_for("location.pathname === '/vi/returns/return-policy/' || null", "the article's page")
        .await
        .unwrap();

    // The article's image is published beside the pages and shown, with its size.
    let image = browser
        .wait_for(
            "(() => { const i = document.querySelector('.body img'); \
             return i && i.complete && i.naturalWidth > 0 ? [i.getAttribute('src'), i.width, i.height] : null })()",
            "the article's image",
        )
        .await
        .unwrap();
    assert!(image[0].as_str().unwrap().starts_with("/assets/files/quy-trinh-doi-tra."), "{image}");
    assert_eq!((image[1].clone(), image[2].clone()), (json!(96), json!(32)));
    // Every page offers the way to a person: the widget's launcher.
    browser.wait_for(&format!("{ROOT}?.querySelector('.launcher') || null"), "the launcher").await.unwrap();
    browser.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_articles_image_shows_in_the_widget_on_another_site() {
    let help = help_center().await.unwrap();
    let (store, _pages) = storefront(&help, &[]).await.unwrap();
    let browser = Browser::start(1280, 900).await.unwrap();
    browser.client.goto(&format!("{}/index.html", store.origin())).await.unwrap();
    browser.js("Answerdesk('search', 'chinh sach doi tra')", vec![]).await.unwrap();
    browser.wait_for(&format!("{ROOT}?.querySelector('.hit') || null"), "results").await.unwrap();
    browser.js(&format!("{ROOT}.querySelector('.hit').click()"), vec![]).await.unwrap();
    let src = browser
        .wait_for(
            &format!(
                "(() => {{ const i = {ROOT}?.querySelector('.article-body img'); \
                 return i && i.complete && i.naturalWidth > 0 ? i.src : null }})()"
            ),
            "the article's image in the widget",
        )
        .await
        .unwrap();
    assert!(
        src.as_str().unwrap().starts_with(&format!("{}/assets/files/", help.origin())),
        "the image comes from the help center, not the shop: {src}"
    );
    browser.quit().await.unwrap();
}
