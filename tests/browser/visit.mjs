// Drives the welcome page in a real browser, as a visitor would.
// Usage: node visit.mjs OPEN_SITE_URL INVITE_ONLY_SITE_URL
// Prints one line per check; exits 1 on the first failure.
import { chromium } from "playwright-core";

const [openUrl, closedUrl] = process.argv.slice(2);
const fail = (msg) => {
  console.error(`FAIL: ${msg}`);
  process.exit(1);
};
const ok = (msg) => console.log(`ok: ${msg}`);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"],
});
try {
  // Desktop, light: the page, its stylesheet, the button.
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(openUrl);
  if ((await page.getAttribute("html", "lang")) !== "en") fail("html lang is not en");
  const title = await page.title();
  if (title !== "Example Chat") fail(`title is ${JSON.stringify(title)}`);
  const radius = await page.$eval("main", (m) => getComputedStyle(m).borderTopLeftRadius);
  if (radius === "0px") fail("style.css did not apply (the card has square corners)");
  const button = page.getByRole("button", { name: "Create account" });
  if (!(await button.isVisible())) fail("no visible Create account button");
  ok("page renders with its stylesheet and the Create account button");

  // The open site: the form POST is answered with 303 to the invite.
  const response = page.waitForResponse((r) => r.request().method() === "POST");
  await button.focus();
  await page.keyboard.press("Enter"); // keyboard only: no mouse needed
  const post = await response;
  const location = post.headers()["location"] || "";
  if (post.status() !== 303) fail(`POST answered ${post.status()}`);
  if (!/^xmpp:localhost\?register;preauth=[A-Za-z0-9_-]{24,}$/.test(location)) fail(`Location ${location}`);
  ok(`Create account: 303 to ${location.replace(/preauth=.*/, "preauth=…")}`);

  // The invite-only site: the page again, with the reason in an alert.
  const closed = await browser.newPage();
  await closed.goto(closedUrl);
  await Promise.all([
    closed.waitForResponse((r) => r.request().method() === "POST" && r.status() === 403),
    closed.getByRole("button", { name: "Create account" }).click(),
  ]);
  const alert = closed.getByRole("alert");
  await alert.waitFor();
  const text = (await alert.textContent()).trim();
  if (text !== "Account creation is not possible at this time") fail(`alert says ${JSON.stringify(text)}`);
  ok("invite-only site: 403 and the alert with the reason");

  // A phone: no horizontal scrolling, a button big enough to tap.
  const phone = await browser.newPage({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2 });
  await phone.goto(openUrl);
  const scroll = await phone.evaluate(() => document.scrollingElement.scrollWidth);
  if (scroll > 360) fail(`page is ${scroll}px wide on a 360px screen`);
  const box = await phone.getByRole("button", { name: "Create account" }).boundingBox();
  if (!box || box.height < 44) fail(`button is ${box && box.height}px tall`);
  ok("phone: fits 360px, button at least 44px tall");

  // Dark mode follows the system.
  const bg = async (scheme) => {
    const p = await browser.newPage({ colorScheme: scheme });
    await p.goto(openUrl);
    return p.$eval("body", (b) => getComputedStyle(b).backgroundColor);
  };
  const light = await bg("light");
  const dark = await bg("dark");
  if (light === dark) fail(`same background in light and dark (${light})`);
  ok(`dark mode: background ${light} -> ${dark}`);
} finally {
  await browser.close();
}
