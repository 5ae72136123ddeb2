// A working morning on demo data, for the officer, the provider and the examiner: from signing
// in to the first completed task. Each landing page (Today), the caseload and a case overview is
// checked with axe, held to its size budget, read at 1280 and 390 px wide without horizontal
// scrolling, and photographed under e2e/screenshots/ (git-ignored) for people to look at.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backends, browserUnavailable, startServer, launchBrowser, newWatchedPage } from '../lib/harness.mjs';
import { assertClean, firstSignIn } from '../lib/flows.mjs';

const skip = browserUnavailable();
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'screenshots');

/** The most HTML each page may weigh (bytes): README states the same figures. */
export const BUDGETS = {
  today: 150 * 1024,
  // A page of 50 cases weighs about 30 KB; an overview about 10 KB.
  caseload: 60 * 1024,
  case: 30 * 1024,
};
const WIDTHS = [1280, 390];

/** Opens `path`, checks its weight, axe and width at both sizes, and photographs it. */
async function look(watched, baseUrl, path, name, who) {
  const { page, problems } = watched;
  const res = await page.goto(`${baseUrl}${path}`);
  assert.equal(res.status(), 200, `${who}: ${path}`);
  const bytes = (await res.body()).length;
  assert.ok(bytes <= BUDGETS[name], `${who}'s ${name} page weighs ${bytes} bytes, over its budget of ${BUDGETS[name]}`);
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    await assertClean(page, problems, `${who}'s ${name} page at ${width} px`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${who}'s ${name} page scrolls sideways by ${overflow} px at ${width} px`);
    await page.screenshot({ path: join(SHOTS, `${who}-${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  return bytes;
}

/** Asserts that a page of the case reads at 390 px without sideways scrolling. */
async function narrow(watched, baseUrl, path, who) {
  const { page, problems } = watched;
  await page.setViewportSize({ width: 390, height: 900 });
  const res = await page.goto(`${baseUrl}${path}`);
  assert.equal(res.status(), 200, `${who}: ${path}`);
  await assertClean(page, problems, `${who}: ${path} at 390 px`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${who}: ${path} scrolls sideways by ${overflow} px at 390 px`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** Signs a demo account in for the first time and lands on Today. */
async function morning(browser, server, role) {
  const email = server.demoAccounts[role];
  assert.ok(email, `the demo prints a ${role}: ${JSON.stringify(server.demoAccounts)}`);
  const watched = await newWatchedPage(browser);
  await firstSignIn(watched.page, watched.problems, server.baseUrl, email, server.demoPassword);
  await watched.page.getByRole('link', { name: /I have saved them/ }).click();
  await watched.page.waitForURL(/\/today$/);
  await watched.page.getByRole('heading', { name: 'Today', exact: true }).waitFor();
  return watched;
}

/** The landing page, the caseload and the overview of the case a task leads to. */
async function looks(watched, server, who, casePath) {
  await look(watched, server.baseUrl, '/today', 'today', who);
  await look(watched, server.baseUrl, '/caseload', 'caseload', who);
  await look(watched, server.baseUrl, casePath, 'case', who);
}

/** The case a Today task of this rule leads to, and the task's own address. */
async function firstTask(page, rule) {
  const link = page.locator(`#tasks li.app-task[data-rule="${rule}"] a`).first();
  await link.waitFor();
  const href = await link.getAttribute('href');
  const casePath = /^\/cases\/\d+/.exec(href)[0];
  return { link, href, casePath };
}

for (const backend of backends()) {
  describe(`a working morning on ${backend}`, { skip: skip ?? false }, () => {
    let server;
    let browser;

    before(async () => {
      mkdirSync(SHOTS, { recursive: true });
      server = await startServer(backend, { demo: 300 });
      browser = await launchBrowser();
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    test("the officer's morning: Today, the caseload, a case, then the month's contact documented", async () => {
      const officer = await morning(browser, server, 'Supervising officer');
      const { page } = officer;
      await page.goto(`${server.baseUrl}/today?rule=R1`);
      const task = await firstTask(page, 'R1');
      assert.match(await task.link.innerText(), /contact with the provider/);
      await looks(officer, server, 'officer', task.casePath);
      await narrow(officer, server.baseUrl, `${task.casePath}/details`, 'officer');
      await narrow(officer, server.baseUrl, `${task.casePath}/scores`, 'officer');

      // The task's link opens the form that does it.
      await page.goto(`${server.baseUrl}/today?rule=R1`);
      await (await firstTask(page, 'R1')).link.click();
      await page.waitForURL((url) => url.pathname === task.href);
      await page.getByText('Document a contact').click();
      await page.getByLabel('Mode').selectOption('phone');
      await page.locator('label[for="topic-progress"]').click();
      await page.getByLabel('Notes', { exact: true }).fill('Spoke with the provider: attending, engaged.');
      await page.getByRole('button', { name: 'Document the contact' }).click();
      await page.getByText(/^Contact documented; it reads unconfirmed/).waitFor();
      await assertClean(page, officer.problems, "the officer's treatment page after the contact");
      await officer.close();
    });

    test("the provider's morning: Today, the caseload, a case, then a session recorded", async () => {
      const provider = await morning(browser, server, 'Treatment provider');
      const { page } = provider;
      const task = await firstTask(page, 'R4');
      await looks(provider, server, 'provider', task.casePath);
      await narrow(provider, server.baseUrl, `${task.casePath}/details`, 'provider');
      await narrow(provider, server.baseUrl, `${task.casePath}/scores`, 'provider');

      // The first case of the caseload whose treatment takes a session today.
      await page.goto(`${server.baseUrl}/caseload`);
      const cases = await page.locator('#caseload a[href^="/cases/"]').evaluateAll((as) =>
        [...new Set(as.map((a) => /^\/cases\/\d+/.exec(a.getAttribute('href'))?.[0]).filter(Boolean))],
      );
      assert.ok(cases.length > 0, 'the provider serves cases');
      let recorded = false;
      for (const path of cases) {
        await page.goto(`${server.baseUrl}${path}/treatment`);
        if ((await page.getByRole('button', { name: 'Record the session' }).count()) === 0) continue;
        await page.locator('label[for="attendance-attended"]').click();
        await page.getByRole('button', { name: 'Record the session' }).click();
        await page.getByText('Session recorded.', { exact: true }).waitFor();
        await assertClean(page, provider.problems, "the provider's treatment page after the session");
        recorded = true;
        break;
      }
      assert.ok(recorded, 'some case of the provider takes a session');
      await provider.close();
    });

    test("the examiner's morning: Today, the caseload, a case, then the maintenance exam recorded", async () => {
      const examiner = await morning(browser, server, 'Polygraph examiner');
      const { page } = examiner;
      const task = await firstTask(page, 'R9');
      assert.match(await task.link.innerText(), /maintenance polygraph exam/);
      await looks(examiner, server, 'examiner', task.casePath);
      await narrow(examiner, server.baseUrl, `${task.casePath}/details`, 'examiner');

      await page.goto(`${server.baseUrl}/today`);
      await (await firstTask(page, 'R9')).link.click();
      await page.waitForURL((url) => url.pathname === task.href);
      await page.getByLabel('Type').selectOption('maintenance');
      const examDate = page.getByLabel('Exam date');
      await examDate.fill(await examDate.getAttribute('max'));
      await page.getByLabel('Referral questions (drafted with the team)').fill('Since your last exam, have you had contact with a minor?');
      await page.getByLabel('Result').selectOption('nsr');
      await page.getByRole('button', { name: 'Record the exam' }).click();
      await page.getByText('Exam recorded.', { exact: true }).waitFor();
      assert.notEqual((await page.locator('#next-maintenance').innerText()).trim(), '');
      await assertClean(page, examiner.problems, "the examiner's polygraph page after the exam");
      await examiner.close();
    });
  });
}
