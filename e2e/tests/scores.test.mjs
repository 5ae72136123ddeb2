import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { backends, browserUnavailable, startServer, launchBrowser, newWatchedPage } from '../lib/harness.mjs';
import { assertClean, firstSignIn, choosePassword, newAccountSignedIn } from '../lib/flows.mjs';

/** An ISO day as the pages write it: "Dec 2, 2026". */
function readableDay(iso) {
  return new Date(`${iso}T12:00:00Z`).toLocaleDateString('en-US', {
    month: 'short',
    day: 'numeric',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

const skip = browserUnavailable();

/** The administrator adds an account through the admin page; returns its one-time password. */
async function addAccount(admin, baseUrl, name, email, agency, roleCode) {
  await admin.goto(`${baseUrl}/admin/users`);
  await admin.getByLabel('Name', { exact: true }).fill(name);
  await admin.getByLabel('E-mail address (the sign-in name)').fill(email);
  await admin.getByLabel('Agency', { exact: true }).selectOption({ label: agency });
  await admin.locator(`label[for="role-${roleCode}"]`).click();
  await admin.getByRole('button', { name: 'Add account' }).click();
  return (await admin.locator('#one-time-password').innerText()).trim();
}

async function addAgency(admin, baseUrl, name, kind) {
  await admin.goto(`${baseUrl}/admin/agencies`);
  await admin.getByLabel('Name', { exact: true }).fill(name);
  await admin.getByLabel('Kind').selectOption(kind);
  await admin.getByRole('button', { name: 'Add agency' }).click();
  await admin.getByRole('cell', { name }).waitFor();
}

const iso = (d) => d.toISOString().slice(0, 10);

/** Records a certification on /certifications, valid from 100 days ago for 400 days more. */
async function certify(admin, baseUrl, { kind, email, number, level, instrument }) {
  await admin.goto(`${baseUrl}/certifications`);
  await admin.getByLabel('Kind').selectOption(kind);
  await admin.getByLabel("Holder's e-mail (a person)").fill(email);
  if (level) await admin.getByLabel('Provider level').selectOption(level);
  if (instrument) await admin.getByLabel('Instrument (SARATSO scorers)').selectOption(instrument);
  await admin.getByLabel('Certificate number').fill(number);
  const today = new Date();
  await admin.getByLabel('Issued on').fill(iso(new Date(today.getTime() - 100 * 86400e3)));
  await admin.getByLabel('Expires on').fill(iso(new Date(today.getTime() + 400 * 86400e3)));
  await admin.getByRole('button', { name: 'Record certification' }).click();
  await admin.getByText('The certification was recorded.').waitFor();
}

/** The day `days` after an ISO date, as an ISO date. */
function plusDays(isoDate, days) {
  return iso(new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * 86400e3));
}

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Waits until the element's trimmed text is exactly `text` (the htmx swap has landed). */
async function waitForText(page, selector, text, options = {}) {
  await page.waitForFunction(
    ([sel, want]) => document.querySelector(sel)?.textContent.trim() === want,
    [selector, text],
    options,
  );
}

/** The points shown on the tally sheet for item `n`. */
const itemPoints = (n) => `#tally td[data-item="${n}"]`;

// The supervisee is born 1979-04-12 and released from the index offense on 2021-05-01: 42 at
// release. Worked by hand from the Static-99R coding rules:
//   1  age 42 (40-59.9)                         -1
//   2  never lived with a partner 2 years        +1
//   3  index non-sexual violence: yes            +1
//   4  prior non-sexual violence: no              0
//   5  3 charges (3-5: 2), 1 conviction (1: 1)   +2 (the higher row)
//   6  4 prior sentencing dates (4 or more)      +1
//   7  non-contact sex offense: no                0
//   8  unrelated victim: yes                     +1
//   9  stranger victim: no                        0
//   10 male victim: no                            0
//                                         total   5  (4-5: Level IVa)
const DATE_OF_BIRTH = '1979-04-12';
const RELEASE_DATE = '2021-05-01';
const EXPECTED_TOTAL = '5';
const EXPECTED_LEVEL = 'Level IVa (above average)';
const STATIC99R_YES_NO = [[2, 'no'], [3, 'yes'], [4, 'no'], [7, 'no'], [8, 'yes'], [9, 'no'], [10, 'no']];

/** Answers the Static-99R items on the tally sheet, all of them unless `skip` names a yes/no item. */
async function answerStatic99r(page, { skip } = {}) {
  await page.getByLabel('Release from the index sex offense').fill(RELEASE_DATE);
  await page.getByLabel('Prior sex offense charges').fill('3');
  await page.getByLabel('Prior sex offense convictions').fill('1');
  await page.getByLabel('6. Prior sentencing dates, excluding the index').fill('4');
  await page.getByLabel('6. Prior sentencing dates, excluding the index').press('Tab');
  for (const [n, answer] of STATIC99R_YES_NO) {
    if (n !== skip) await page.locator(`label[for="item${n}-${answer}"]`).click();
  }
}

// STABLE-2007 ratings, items 1 to 13; item 3 is left "Not scored" (no victim 13 or younger).
// 1+2+1+0+1+1+2+1+0+1+1+0+1 without item 3 = 11: Moderate (4-11).
const STABLE_RATINGS = ['1', '2', null, '0', '1', '1', '2', '1', '0', '1', '1', '0', '1'];
const STABLE_TOTAL = '11';
const STABLE_BAND = 'Moderate';

const SHARE = 'Shared with the officer, with interpretation (R5)';
const RECEIPT = 'Received by the officer';
const DOJ = 'Submitted to DOJ (R6)';
const INTERPRETATION = 'Moderate dynamic risk: intimacy deficits and sexual self-regulation are the treatment targets.';
const DOJ_REFERENCE = 'GEARS-E2E-0427';

for (const backend of backends()) {
  describe(`risk scores on ${backend}`, { skip: skip ?? false }, () => {
    let server;
    let browser;
    let admin;
    let adminProblems;
    const passwords = {};
    const people = {};
    // What the tests find out as they go: the case, today's date as the server sees it, scores.
    const found = {};

    before(async () => {
      server = await startServer(backend);
      browser = await launchBrowser();
      const watched = await newWatchedPage(browser);
      admin = watched.page;
      adminProblems = watched.problems;
      await firstSignIn(admin, adminProblems, server.baseUrl, server.admin.email, server.admin.password);
      await choosePassword(admin, adminProblems, server.admin.password);
      await addAgency(admin, server.baseUrl, 'Kings County Probation', 'probation_department');
      await addAgency(admin, server.baseUrl, 'Valley Treatment', 'treatment_provider');
      await addAgency(admin, server.baseUrl, 'Kings County Sheriff', 'law_enforcement');
      for (const [key, name, email, agency, role] of [
        ['officer', 'Olive Officer', 'olive@kings.example', 'Kings County Probation', 'supervising_officer'],
        ['provider', 'Perry Provider', 'perry@valley.example', 'Valley Treatment', 'treatment_provider'],
        ['deputy', 'Dana Deputy', 'dana@kcso.example', 'Kings County Sheriff', 'law_enforcement'],
      ]) {
        passwords[key] = await addAccount(admin, server.baseUrl, name, email, agency, role);
      }
      await certify(admin, server.baseUrl, {
        kind: 'casomb_provider',
        email: 'perry@valley.example',
        number: 'CP-E2E-1',
        level: 'independent',
      });
      await certify(admin, server.baseUrl, {
        kind: 'saratso_scorer',
        email: 'perry@valley.example',
        number: 'SS-E2E-STABLE',
        instrument: 'stable2007',
      });
      for (const [key, email] of [
        ['officer', 'olive@kings.example'],
        ['provider', 'perry@valley.example'],
        ['deputy', 'dana@kcso.example'],
      ]) {
        people[key] = await newAccountSignedIn(browser, newWatchedPage, server.baseUrl, email, passwords[key]);
      }

      // The officer opens the case and puts the provider on its team.
      const { page } = people.officer;
      await page.goto(`${server.baseUrl}/cases/new`);
      await page.getByLabel('Legal name').fill('Sam Scored');
      await page.getByLabel('Date of birth').fill(DATE_OF_BIRTH);
      await page.getByLabel('Sex').selectOption('male');
      await page.getByLabel('CII number').fill('A12344321');
      await page.getByLabel('Court case numbers (one per line)').fill('KCR-5150');
      await page.getByLabel('Kind').selectOption('probation');
      await page.getByLabel('Supervising county').fill('Kings');
      await page.getByRole('button', { name: 'Open case' }).click();
      await page.waitForURL(/\/cases\/\d+$/);
      found.casePath = new URL(page.url()).pathname;
      await page.goto(`${server.baseUrl}${found.casePath}/team`);
      await page.getByLabel('Role').selectOption('treatment_provider');
      await page.getByLabel("Member's e-mail address").fill('perry@valley.example');
      await page.getByRole('button', { name: 'Add to team' }).click();
      await page.getByText('added to the team').waitFor();
      // Registering law enforcement sits on the team; no waiver names it.
      await page.getByLabel('Role').selectOption('registering_law_enforcement');
      await page.getByLabel("Member's e-mail address").fill('dana@kcso.example');
      await page.getByRole('button', { name: 'Add to team' }).click();
      await page.getByText('added to the team').waitFor();
    });

    after(async () => {
      for (const p of Object.values(people)) await p.close();
      await browser?.close();
      await server?.stop();
    });

    test('the officer scores a Static-99R on the tally sheet, refused until certified', async () => {
      const { page, problems } = people.officer;
      const caseUrl = `${server.baseUrl}${found.casePath}`;
      await page.goto(`${caseUrl}/scores`);
      const scores = page.locator('section', { has: page.locator('#scores-heading') });
      await scores.getByText('No scores you may see.').waitFor();
      const offered = await scores.getByRole('link').allInnerTexts();
      assert.deepEqual(offered.map((t) => t.trim()), ['Static-99R', 'JSORRAT-II'], 'the officer records static scores');
      await assertClean(page, problems, 'a case with no scores');

      await scores.getByRole('link', { name: 'Static-99R', exact: true }).click();
      await page.waitForURL(/\/scores\/new\?instrument=static99r$/);
      await page.getByRole('heading', { level: 1, name: 'Static-99R for Sam Scored' }).waitFor();
      found.today = await page.getByLabel('Date scored').inputValue();
      assert.match(found.today, /^\d{4}-\d{2}-\d{2}$/, 'the form offers today as the scoring date');
      assert.equal((await page.locator('#tally-total').innerText()).trim(), '—');
      await assertClean(page, problems, 'the blank Static-99R tally sheet');

      // Not certified yet: a complete sheet is refused with the reason, and nothing is stored.
      await page.getByLabel('Reason for scoring').selectOption('pre_release');
      await answerStatic99r(page);
      await waitForText(page, '#tally-total', EXPECTED_TOTAL);
      await page.getByRole('button', { name: 'Record the score' }).click();
      await page.locator('#form-errors').waitFor();
      assert.match(
        await page.locator('#form-errors').innerText(),
        new RegExp(
          `Olive Officer held no current SARATSO certification for Static-99R on ${found.today}: the score is not valid \\(R10\\)`,
        ),
      );
      // The answers are kept, so the sheet can be recorded once the certification is in.
      assert.equal((await page.locator('#tally-total').innerText()).trim(), EXPECTED_TOTAL);
      await assertClean(page, problems, 'the refused uncertified Static-99R');
      await page.goto(`${caseUrl}/scores`);
      await scores.getByText('No scores you may see.').waitFor();
      await page.goto(`${caseUrl}/timeline`);
      assert.doesNotMatch(await page.locator('#timeline').innerText(), /Risk score recorded/);

      adminProblems.length = 0;
      await certify(admin, server.baseUrl, {
        kind: 'saratso_scorer',
        email: 'olive@kings.example',
        number: 'SS-E2E-STATIC',
        instrument: 'static99r',
      });
      await admin.getByRole('cell', { name: 'SS-E2E-STATIC' }).waitFor();
      await assertClean(admin, adminProblems, 'the registry with the scorer certifications');

      // Certified: the same sheet is answered afresh; the total shows once the last item is in.
      await page.goto(`${caseUrl}/scores/new?instrument=static99r`);
      await page.getByLabel('Reason for scoring').selectOption('pre_release');
      await answerStatic99r(page, { skip: 10 });
      assert.equal((await page.locator('#tally-total').innerText()).trim(), '—', 'no total before every item is answered');
      assert.match(await page.locator('#tally-level').innerText(), /Answer every item/);
      await page.locator('label[for="item10-no"]').click();
      await waitForText(page, '#tally-total', EXPECTED_TOTAL);
      for (const [n, points] of [[1, '-1'], [2, '+1'], [3, '+1'], [4, '+0'], [5, '+2'], [6, '+1'], [7, '+0'], [8, '+1'], [9, '+0'], [10, '+0']]) {
        assert.equal((await page.locator(itemPoints(n)).innerText()).trim(), points, `item ${n} points`);
      }
      assert.match(await page.locator('#tally tbody tr').first().innerText(), /42 years/);
      assert.equal(
        (await page.locator('#tally-level').innerText()).trim(),
        `Total ${EXPECTED_TOTAL}: ${EXPECTED_LEVEL} (before 2016: Moderate-high).`,
      );
      await assertClean(page, problems, 'a fully answered tally sheet');

      await page.getByRole('button', { name: 'Record the score' }).click();
      await page.waitForURL(/\/cases\/\d+\/scores\/\d+$/);
      found.staticPath = new URL(page.url()).pathname;
      assert.ok(found.staticPath.startsWith(`${found.casePath}/scores/`));
      await page.getByRole('heading', { level: 1, name: `Static-99R: ${EXPECTED_TOTAL}, ${EXPECTED_LEVEL}` }).waitFor();
      await page.getByText('SARATSO certified that day').waitFor();
      const items = page.getByRole('table', { name: 'Items' });
      assert.equal(await items.locator('tbody tr').count(), 10);
      assert.match(await items.locator('tfoot').innerText(), new RegExp(`Total\\s+${EXPECTED_TOTAL}`));
      assert.match(await page.locator('#cori-mark').innerText(), /re-disseminate/i);
      // R3: the provider reviews it; the officer owes nothing.
      await page.getByRole('heading', { name: "Waiting on: Provider's review of the Static-99R (R3)" }).waitFor();
      assert.equal(await page.getByRole('button', { name: /^Record: / }).count(), 0, 'the officer does not review');
      assert.equal(await page.locator('#chain-complete').count(), 0);
      await assertClean(page, problems, 'the recorded Static-99R');

      await page.goto(`${caseUrl}/scores`);
      const heading = page.locator('#scores-static99r');
      await heading.waitFor();
      assert.equal(
        (await heading.innerText()).trim(),
        `Static-99R: ${EXPECTED_TOTAL} (${EXPECTED_LEVEL}) on ${readableDay(found.today)}`,
      );
      await scores
        .getByRole('img', { name: new RegExp(`^Static-99R totals over time .*: ${found.today}: ${EXPECTED_TOTAL}$`) })
        .waitFor();
      const link = scores.getByRole('link', { name: readableDay(found.today), exact: true });
      assert.equal(await link.getAttribute('href'), found.staticPath);
      const row = scores.getByRole('row').filter({ has: page.getByRole('link', { name: readableDay(found.today), exact: true }) });
      const rowText = await row.innerText();
      for (const expected of [EXPECTED_TOTAL, EXPECTED_LEVEL, 'Pre-release', 'Olive Officer', "Provider's review of the Static-99R (R3)"]) {
        assert.ok(rowText.includes(expected), `the score row shows ${expected}: ${rowText}`);
      }
      await page.goto(`${caseUrl}/timeline`);
      assert.match(await page.locator('#timeline').innerText(), /Risk score recorded by Olive Officer/);
      await assertClean(page, problems, 'the case with a Static-99R');
    });

    // The tally must not wait for the whole form: htmx holds back a form's request until every
    // required field is valid, so the tally is posted from a block inside the form instead.
    test(
      'the tally sheet shows each item\'s points as it is answered',
      async () => {
        const { page, problems } = people.officer;
        await page.goto(`${server.baseUrl}${found.casePath}/scores/new?instrument=static99r`);
        await page.getByLabel('Reason for scoring').selectOption('pre_release');
        await page.getByLabel('Release from the index sex offense').fill(RELEASE_DATE);
        await waitForText(page, itemPoints(1), '-1', { timeout: 10_000 });
        assert.match(await page.locator('#tally tbody tr').first().innerText(), /42 years/);
        assert.equal((await page.locator(itemPoints(2)).innerText()).trim(), '—', 'item 2 is not answered yet');
        assert.equal((await page.locator('#tally-total').innerText()).trim(), '—');
        assert.equal(
          (await page.locator('#tally-level').innerText()).trim(),
          'Answer every item to see the total and the risk level.',
        );
        await page.locator('label[for="item2-no"]').click();
        await waitForText(page, itemPoints(2), '+1', { timeout: 10_000 });
        await page.getByLabel('Prior sex offense charges').fill('3');
        await page.getByLabel('Prior sex offense convictions').fill('1');
        await page.getByLabel('Prior sex offense convictions').press('Tab');
        await waitForText(page, itemPoints(5), '+2', { timeout: 10_000 });
        assert.equal((await page.locator('#tally-total').innerText()).trim(), '—', 'no total before every item is answered');
        await assertClean(page, problems, 'a partly answered tally sheet');
      },
    );

    test('the provider records a STABLE-2007 and follows it through the officer to DOJ', async () => {
      const provider = people.provider;
      const officer = people.officer;
      const caseUrl = `${server.baseUrl}${found.casePath}`;

      await provider.page.goto(`${caseUrl}/scores`);
      const scores = provider.page.locator('section', { has: provider.page.locator('#scores-heading') });
      await scores.getByRole('heading', { name: /^Static-99R: / }).waitFor();
      const offered = (await scores.locator('p', { hasText: 'Record a score:' }).getByRole('link').allInnerTexts()).map(
        (t) => t.trim(),
      );
      assert.deepEqual(offered, ['STABLE-2007', 'ACUTE-2007', 'LS/CMI', 'SRA-FV'], 'the provider records dynamic scores');
      await assertClean(provider.page, provider.problems, "the provider's case page with a Static-99R");

      await scores.getByRole('link', { name: 'STABLE-2007', exact: true }).click();
      await provider.page.waitForURL(/\/scores\/new\?instrument=stable2007$/);
      await provider.page.getByRole('heading', { level: 1, name: 'STABLE-2007 for Sam Scored' }).waitFor();
      const today = await provider.page.getByLabel('Date scored').inputValue();
      assert.equal(today, found.today);
      assert.equal(await provider.page.locator('#child_victim').isChecked(), false);
      const item3 = provider.page.getByLabel('3. Emotional identification with children');
      assert.equal(await item3.inputValue(), '');
      assert.equal((await item3.locator('option:checked').innerText()).trim(), 'Not scored');
      await assertClean(provider.page, provider.problems, 'the STABLE-2007 form');

      await provider.page.getByLabel('Reason for scoring').selectOption('intake');
      for (const [i, rating] of STABLE_RATINGS.entries()) {
        if (rating !== null) await provider.page.locator(`#item${i + 1}`).selectOption(rating);
      }
      await provider.page.getByRole('button', { name: 'Record the score' }).click();
      await provider.page.waitForURL(/\/cases\/\d+\/scores\/\d+$/);
      found.stablePath = new URL(provider.page.url()).pathname;
      const scoreUrl = `${server.baseUrl}${found.stablePath}`;
      await provider.page
        .getByRole('heading', { level: 1, name: `STABLE-2007: ${STABLE_TOTAL}, ${STABLE_BAND}` })
        .waitFor();
      const items = provider.page.getByRole('table', { name: 'Items' });
      assert.match(await items.locator('tbody tr').nth(2).innerText(), /not scored/);

      // 2025 rules: the provider owes the sharing and the DOJ submission, each within 30 days.
      const due = plusDays(today, 30);
      for (const step of [SHARE, DOJ]) {
        const box = provider.page.locator('section', { has: provider.page.getByRole('heading', { name: `Waiting on: ${step}` }) });
        await box.waitFor();
        assert.match(await box.innerText(), new RegExp(`By the treatment provider, due ${readableDay(due)}\\.`));
        await box.getByRole('button', { name: `Record: ${step}` }).waitFor();
      }
      assert.equal(await provider.page.getByRole('heading', { name: `Waiting on: ${RECEIPT}` }).count(), 0);
      await provider.page.getByText('None recorded yet.').waitFor();
      await assertClean(provider.page, provider.problems, 'the recorded STABLE-2007');

      // The officer sees what is owed and takes none of it.
      await officer.page.goto(scoreUrl);
      await officer.page.getByRole('heading', { name: `Waiting on: ${SHARE}` }).waitFor();
      await officer.page.getByRole('heading', { name: `Waiting on: ${DOJ}` }).waitFor();
      assert.equal(await officer.page.getByRole('button', { name: /^Record: / }).count(), 0);
      await assertClean(officer.page, officer.problems, "the officer's view of the unshared STABLE-2007");

      // The provider shares it with the written interpretation.
      await provider.page.getByLabel('Written interpretation for the officer').fill(INTERPRETATION);
      await provider.page.getByRole('button', { name: `Record: ${SHARE}` }).click();
      await provider.page.getByText(`${SHARE}: recorded.`).waitFor();
      await provider.page.getByRole('heading', { name: `Waiting on: ${RECEIPT}` }).waitFor();
      const receiptBox = provider.page.locator('section', {
        has: provider.page.getByRole('heading', { name: `Waiting on: ${RECEIPT}` }),
      });
      assert.match(await receiptBox.innerText(), /By the supervising officer\./);
      assert.equal(await receiptBox.getByRole('button').count(), 0, 'the provider does not receive for the officer');
      assert.equal(await provider.page.getByRole('heading', { name: `Waiting on: ${SHARE}` }).count(), 0);
      assert.match(await provider.page.locator('#steps').innerText(), new RegExp(escapeRegExp(INTERPRETATION)));
      await assertClean(provider.page, provider.problems, 'the shared STABLE-2007');

      // Law enforcement sees the score and its chain, but the written interpretation is
      // dynamic-risk discussion, and no waiver covers the deputy (nor, here, anyone).
      const deputy = people.deputy;
      await deputy.page.goto(scoreUrl);
      const deputySteps = await deputy.page.locator('#steps').innerText();
      assert.match(deputySteps, new RegExp(escapeRegExp(SHARE)));
      assert.match(deputySteps, /written interpretation withheld/);
      assert.doesNotMatch(await deputy.page.content(), new RegExp(escapeRegExp(INTERPRETATION)));
      await assertClean(deputy.page, deputy.problems, "the deputy's view of the shared STABLE-2007");

      // The officer records receipt.
      await officer.page.goto(scoreUrl);
      await officer.page.getByRole('button', { name: `Record: ${RECEIPT}` }).click();
      await officer.page.getByText(`${RECEIPT}: recorded.`).waitFor();
      assert.equal(await officer.page.getByRole('heading', { name: `Waiting on: ${RECEIPT}` }).count(), 0);
      await officer.page.getByRole('heading', { name: `Waiting on: ${DOJ}` }).waitFor();
      assert.equal(await officer.page.getByRole('button', { name: /^Record: / }).count(), 0, 'DOJ is the provider\'s under the 2025 rules');
      assert.equal(await officer.page.locator('#steps tbody tr').count(), 2);
      await assertClean(officer.page, officer.problems, 'the received STABLE-2007');

      // The provider records the DOJ submission; nothing further is owed.
      await provider.page.goto(scoreUrl);
      await provider.page.getByLabel('How it was sent').selectOption('MHS GEARS');
      await provider.page.getByLabel('DOJ or GEARS reference').fill(DOJ_REFERENCE);
      await provider.page.getByRole('button', { name: `Record: ${DOJ}` }).click();
      await provider.page.getByText(`${DOJ}: recorded.`).waitFor();
      await provider.page.locator('#chain-complete').waitFor();
      assert.equal((await provider.page.locator('#chain-complete').innerText()).trim(), 'Nothing further is owed on this score.');
      assert.equal(await provider.page.getByRole('heading', { name: /^Waiting on: / }).count(), 0);
      const steps = (await provider.page.locator('#steps tbody tr').allInnerTexts()).map((t) => t.replace(/\s+/g, ' '));
      assert.equal(steps.length, 3);
      assert.ok(steps[0].includes(SHARE) && steps[0].includes('Perry Provider'), steps[0]);
      assert.ok(steps[1].includes(RECEIPT) && steps[1].includes('Olive Officer'), steps[1]);
      assert.ok(steps[2].includes(DOJ) && steps[2].includes(`MHS GEARS; reference ${DOJ_REFERENCE}`), steps[2]);
      await assertClean(provider.page, provider.problems, 'the STABLE-2007 with its chain complete');

      // The officer's case page and DOJ submissions list show it.
      await officer.page.goto(`${caseUrl}/scores`);
      const heading = officer.page.locator('#scores-stable2007');
      await heading.waitFor();
      assert.equal((await heading.innerText()).trim(), `STABLE-2007: ${STABLE_TOTAL} (${STABLE_BAND}) on ${readableDay(today)}`);
      const stableRow = officer.page
        .getByRole('table', { name: /^STABLE-2007: / })
        .getByRole('row')
        .filter({ has: officer.page.getByRole('link', { name: readableDay(today), exact: true }) });
      assert.match(await stableRow.innerText(), /nothing$/);
      await assertClean(officer.page, officer.problems, 'the case with both scores');

      await officer.page.goto(`${server.baseUrl}/scores/submissions`);
      await officer.page.getByRole('heading', { level: 1, name: 'DOJ score submissions' }).waitFor();
      const submissions = officer.page.locator('#submissions tbody tr');
      assert.equal(await submissions.count(), 1);
      const cells = (await submissions.first().locator('td').allInnerTexts()).map((t) => t.trim());
      assert.deepEqual(cells, [
        today,
        'Sam Scored',
        'A12344321',
        'STABLE-2007',
        today,
        `${STABLE_TOTAL} (${STABLE_BAND})`,
        'MHS GEARS',
        DOJ_REFERENCE,
        'Perry Provider',
      ]);
      assert.equal(
        await submissions.first().getByRole('link', { name: 'Sam Scored' }).getAttribute('href'),
        found.casePath,
      );
      await assertClean(officer.page, officer.problems, 'the DOJ submissions list');

      const csvHref = await officer.page.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
      const csv = await officer.page.request.get(`${server.baseUrl}${csvHref}`);
      assert.equal(csv.status(), 200);
      assert.match(csv.headers()['content-type'] ?? '', /^text\/csv/);
      const lines = (await csv.text()).trim().split('\r\n');
      assert.equal(lines.length, 2, 'a header and one submission');
      assert.ok(lines[1].includes(DOJ_REFERENCE) && lines[1].includes('stable2007'), lines[1]);
    });

    test('the printable score report downloads as a PDF', async () => {
      const { page, problems } = people.officer;
      for (const [path, instrument] of [
        [found.staticPath, 'static99r'],
        [found.stablePath, 'stable2007'],
      ]) {
        assert.ok(path, `the ${instrument} score was recorded by the tests before`);
        await page.goto(`${server.baseUrl}${path}`);
        const link = page.getByRole('link', { name: 'Printable score report (PDF)' });
        const href = await link.getAttribute('href');
        assert.equal(href, `${path}/report.pdf`);
        const res = await page.request.get(`${server.baseUrl}${href}`);
        assert.equal(res.status(), 200);
        assert.equal(res.headers()['content-type'], 'application/pdf');
        assert.match(res.headers()['content-disposition'] ?? '', new RegExp(`filename="score-\\d+-${instrument}\\.pdf"`));
        const body = await res.body();
        assert.equal(body.subarray(0, 5).toString('latin1'), '%PDF-');
        if (instrument === 'static99r') {
          assert.match(res.headers()['x-record-notice'] ?? '', /re-disseminate/i, 'a Static-99R report carries the CORI mark');
        }
        await assertClean(page, problems, `the ${instrument} score page`);
      }
    });
  });
}
