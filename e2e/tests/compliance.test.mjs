import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { backends, browserUnavailable, startServer, launchBrowser, newWatchedPage } from '../lib/harness.mjs';
import { assertClean, firstSignIn, choosePassword, newAccountSignedIn } from '../lib/flows.mjs';

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

// Placed on supervision (and started) 40 days ago, with no Static-99R and no court waiver: R2
// (a Static-99R before sentencing) fell due the day before placement and R11 (a court waiver
// on file) on the first day of supervision. Both are overdue and owed by the officer.
const SUPERVISEE = 'Rowan Obligated';
const PLACED_ON = iso(new Date(Date.now() - 40 * 86400e3));
const R2_SOURCE = 'PC 290.04, 290.06, 1203(b)(2)';
const R11_SOURCE = 'PC 1203.067(b)(4)';
const REASON = 'Scored by the previous county before transfer; the score is on its way.';
const APPROVAL_NOTE = 'Transfer case: the sending county scored before sentencing.';

/** The task lines of Today in one window, of one rule or all. */
function taskLines(page, window, rule) {
  const rules = rule ? `[data-rule="${rule}"]` : '';
  return page.locator(`#tasks li.app-task[data-window="${window}"]${rules}`);
}

/** The rows of a table of obligations whose rule cell reads exactly `rule`. */
function ruleRows(page, table, rule) {
  return table.locator('tbody tr').filter({ has: page.getByRole('cell', { name: rule, exact: true }) });
}

/** The status of one row of a table of obligations. */
async function statusOf(row) {
  return (await row.locator('td').first().textContent()).trim();
}

/** The decision column of the exemptions table for exemption `id`. */
function exemptionRow(page, id) {
  return page
    .locator('#exemptions tbody tr')
    .filter({ has: page.getByRole('cell', { name: String(id), exact: true }) });
}

for (const backend of backends()) {
  describe(`compliance on ${backend}`, { skip: skip ?? false }, () => {
    let server;
    let browser;
    let admin;
    let adminProblems;
    const passwords = {};
    const people = {};
    // What the tests find out as they go: the case, the exemption, the calendar address.
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
      for (const [key, name, email, agency, role] of [
        ['officer', 'Olive Officer', 'olive@kings.example', 'Kings County Probation', 'supervising_officer'],
        ['supervisor', 'Sue Supervisor', 'sue@kings.example', 'Kings County Probation', 'officer_supervisor'],
        ['agencyAdmin', 'Ada Admin', 'ada@kings.example', 'Kings County Probation', 'agency_admin'],
      ]) {
        passwords[key] = await addAccount(admin, server.baseUrl, name, email, agency, role);
      }
      for (const [key, email] of [
        ['officer', 'olive@kings.example'],
        ['supervisor', 'sue@kings.example'],
        ['agencyAdmin', 'ada@kings.example'],
      ]) {
        people[key] = await newAccountSignedIn(browser, newWatchedPage, server.baseUrl, email, passwords[key]);
      }

      // The officer opens the case, placed in the past, as its supervising officer.
      const { page } = people.officer;
      await page.goto(`${server.baseUrl}/cases/new`);
      await page.getByLabel('Legal name').fill(SUPERVISEE);
      await page.getByLabel('Date of birth').fill('1981-09-23');
      await page.getByLabel('Sex').selectOption('male');
      await page.getByLabel('CII number').fill('A55501234');
      await page.getByLabel('Court case numbers (one per line)').fill('KCR-7070');
      await page.getByLabel('Kind').selectOption('probation');
      await page.getByLabel('Supervising county').fill('Kings');
      await page.getByLabel('Placed on supervision (sentencing or release date)').fill(PLACED_ON);
      await page.getByLabel('Supervision starts').fill(PLACED_ON);
      assert.equal(await page.locator('#assign_me').isChecked(), true, 'the officer supervises the case');
      await page.getByRole('button', { name: 'Open case' }).click();
      await page.waitForURL(/\/cases\/\d+$/);
      found.casePath = new URL(page.url()).pathname;
      found.caseId = /\/cases\/(\d+)$/.exec(found.casePath)[1];
    });

    after(async () => {
      for (const p of Object.values(people)) await p.close();
      await browser?.close();
      await server?.stop();
    });

    test("the officer's day lists the new case's overdue R2 and R11, and the case shows its obligations", async () => {
      const { page, problems } = people.officer;
      await page.goto(`${server.baseUrl}/`);
      assert.equal(await page.getByRole('link', { name: 'Dashboard' }).count(), 0, 'an officer has no dashboard');
      await page.getByRole('link', { name: 'Today', exact: true }).click();
      await page.waitForURL(/\/today$/);
      await page.getByRole('heading', { level: 1, name: 'Today' }).waitFor();
      const tasks = page.locator('#tasks');
      await tasks.waitFor();

      // Overdue first, under the case, and the count says how many.
      const overdue = await taskLines(page, 'overdue').count();
      assert.ok(overdue >= 2, 'R2 and R11 are overdue at least');
      const windows = await tasks.locator('li.app-task').evaluateAll((ls) => ls.map((l) => l.dataset.window));
      assert.deepEqual(windows.slice(0, overdue), Array(overdue).fill('overdue'), `overdue first: ${windows.join(', ')}`);
      assert.equal((await page.locator('#count-overdue .app-counts__number').innerText()).trim(), `${overdue}`);
      const caseLink = page.locator('#window-overdue').locator('..').getByRole('link', { name: SUPERVISEE, exact: true });
      assert.equal(await caseLink.getAttribute('href'), found.casePath);

      const daysAgo = {};
      for (const [rule, label, words, place] of [
        ['R2', 'Static-99R before supervision', 'Score the Static-99R before supervision starts', `${found.casePath}/scores/new?instrument=static99r`],
        ['R11', 'Waiver on file', 'File a court waiver covering provider, officer and examiner', `${found.casePath}/waivers`],
      ]) {
        const line = taskLines(page, 'overdue', rule);
        assert.equal(await line.count(), 1, `one ${rule} task`);
        assert.equal(await line.locator('abbr').getAttribute('title'), label);
        const link = line.getByRole('link', { name: `${words} (${SUPERVISEE})` });
        assert.equal(await link.getAttribute('href'), place, `${rule} leads to where it gets done`);
        const text = await line.innerText();
        const ago = text.match(/was due [A-Z][a-z]{2} \d{1,2}, \d{4} \((\d+) days ago\)/);
        assert.ok(ago, `${rule} says when it was due: ${text}`);
        daysAgo[rule] = Number(ago[1]);
      }
      // R2 falls due the day before placement, R11 on the first day of supervision.
      assert.equal(daysAgo.R2, daysAgo.R11 + 1, JSON.stringify(daysAgo));
      await assertClean(page, problems, 'Today with overdue obligations');

      // The R2 line leads to the Static-99R form for the case.
      await taskLines(page, 'overdue', 'R2').getByRole('link').click();
      await page.waitForURL(new RegExp(`${found.casePath}/scores/new\\?instrument=static99r$`));
      await page.getByRole('heading', { level: 1, name: `Static-99R for ${SUPERVISEE}` }).waitFor();
      await assertClean(page, problems, 'the Static-99R form opened from a task');

      // The case overview says what is overdue, one sentence each, and links to the full list.
      await page.goto(`${server.baseUrl}${found.casePath}`);
      await page.getByRole('heading', { level: 2, name: 'Overdue' }).waitFor();
      const caseOverdue = page.locator('#overview-overdue');
      await caseOverdue.waitFor();
      for (const rule of ['R2', 'R11']) {
        const sentence = caseOverdue.locator(`li[data-rule="${rule}"]`);
        assert.equal(await sentence.count(), 1, `the overview names ${rule}`);
        assert.match(await sentence.locator('p').first().innerText(), /^Overdue .+ owes .+ by [A-Z][a-z]{2} \d{1,2}, \d{4}\./i);
      }
      const all2 = page.getByRole('link', { name: 'All obligations, history and exemptions' });
      assert.equal(await all2.getAttribute('href'), `${found.casePath}/obligations`);
      await assertClean(page, problems, 'the case page with obligations');
    });

    test('the officer asks for an R2 exemption; the supervisor refuses without a note, then approves', async () => {
      const officer = people.officer;
      const supervisor = people.supervisor;
      const obligationsUrl = `${server.baseUrl}${found.casePath}/obligations`;

      await officer.page.goto(`${server.baseUrl}${found.casePath}`);
      await officer.page.getByRole('link', { name: 'All obligations, history and exemptions' }).click();
      await officer.page.waitForURL(new RegExp(`${found.casePath}/obligations$`));
      await officer.page.getByRole('heading', { level: 1, name: `Obligations of ${SUPERVISEE}` }).waitFor();
      const open = officer.page.locator('#open-obligations');
      await open.waitFor();
      assert.equal(await ruleRows(officer.page, open, 'R2').count(), 1);
      await officer.page.getByText('None.', { exact: true }).waitFor();
      await assertClean(officer.page, officer.problems, 'the obligations page with nothing exempted');

      // The request names the R2 obligation by its key.
      const keys = await officer.page
        .getByLabel('Obligation')
        .locator('option')
        .evaluateAll((os) => os.map((o) => o.value));
      const r2Keys = keys.filter((k) => k.startsWith('R2:'));
      assert.equal(r2Keys.length, 1, `one R2 obligation is offered: ${keys.join(', ')}`);
      found.r2Key = r2Keys[0];
      assert.match(found.r2Key, /^R2:episode:\d+:0$/);
      await officer.page.getByLabel('Obligation').selectOption(found.r2Key);
      await officer.page.getByLabel('Reason').fill(REASON);
      await officer.page.getByRole('button', { name: 'Ask for the exemption' }).click();
      const notice = officer.page.getByText(/^Exemption \d+ requested; /);
      await notice.waitFor();
      found.exemptionId = /^Exemption (\d+) requested; /.exec((await notice.innerText()).trim())[1];
      const requested = exemptionRow(officer.page, found.exemptionId);
      await requested.waitFor();
      const cells = (await requested.locator('td').allInnerTexts()).map((t) => t.trim());
      assert.equal(cells[1], found.r2Key);
      assert.equal(cells[3], REASON);
      assert.equal(cells[4], 'waiting for a decision');
      assert.equal(await officer.page.getByRole('button', { name: /^Approve/ }).count(), 0, 'the officer does not approve');
      assert.equal(await officer.page.getByRole('button', { name: /^Refuse/ }).count(), 0, 'the officer does not refuse');
      // Still owed until someone decides.
      assert.equal(await statusOf(ruleRows(officer.page, officer.page.locator('#open-obligations'), 'R2')), 'Overdue');
      await assertClean(officer.page, officer.problems, 'the obligations page with a requested exemption');

      // Nobody decides their own request: nothing waits for the officer.
      await officer.page.goto(`${server.baseUrl}/exemptions`);
      await officer.page.locator('#no-pending').waitFor();
      await assertClean(officer.page, officer.problems, "the officer's empty exemptions queue");

      // The supervisor of the same agency finds it waiting.
      await supervisor.page.goto(`${server.baseUrl}/exemptions`);
      await supervisor.page.getByRole('heading', { level: 1, name: 'Exemptions to decide' }).waitFor();
      const pending = supervisor.page
        .locator('#pending tbody tr')
        .filter({ has: supervisor.page.getByRole('cell', { name: found.exemptionId, exact: true }) });
      await pending.waitFor();
      assert.equal(await supervisor.page.locator('#pending tbody tr').count(), 1);
      const caseLink = pending.getByRole('link', { name: SUPERVISEE, exact: true });
      assert.equal(await caseLink.getAttribute('href'), `${found.casePath}/obligations`);
      assert.match(await pending.innerText(), new RegExp(found.r2Key));
      await assertClean(supervisor.page, supervisor.problems, 'the exemptions queue');

      // Refusing needs a note: the request stays pending.
      await pending.getByRole('button', { name: `Refuse exemption ${found.exemptionId}` }).click();
      await supervisor.page.locator('#form-errors').waitFor();
      assert.match(await supervisor.page.locator('#form-errors').innerText(), /note: say why the exemption is refused/);
      const stillPending = supervisor.page
        .locator('#pending tbody tr')
        .filter({ has: supervisor.page.getByRole('cell', { name: found.exemptionId, exact: true }) });
      await stillPending.waitFor();
      await assertClean(supervisor.page, supervisor.problems, 'a refusal without a note');
      await officer.page.goto(obligationsUrl);
      assert.equal(
        (await exemptionRow(officer.page, found.exemptionId).locator('td').nth(4).innerText()).trim(),
        'waiting for a decision',
      );

      // Approving with a note lands on the case's obligations.
      await stillPending.getByLabel('Note (required to refuse)').fill(APPROVAL_NOTE);
      await stillPending.getByRole('button', { name: `Approve exemption ${found.exemptionId}` }).click();
      await supervisor.page.waitForURL(new RegExp(`${found.casePath}/obligations$`));
      await supervisor.page.getByRole('heading', { level: 1, name: `Obligations of ${SUPERVISEE}` }).waitFor();
      assert.equal(
        (await exemptionRow(supervisor.page, found.exemptionId).locator('td').nth(4).innerText()).trim(),
        `approved: ${APPROVAL_NOTE}`,
      );
      assert.equal(await supervisor.page.getByRole('button', { name: /^Approve/ }).count(), 0, 'nothing left to decide');
      await assertClean(supervisor.page, supervisor.problems, "the supervisor's view of the approved exemption");
      await supervisor.page.goto(`${server.baseUrl}/exemptions`);
      await supervisor.page.locator('#no-pending').waitFor();
      await assertClean(supervisor.page, supervisor.problems, 'the emptied exemptions queue');

      // The officer sees R2 exempted, no longer open, and the decision with its note.
      await officer.page.goto(obligationsUrl);
      await officer.page.getByRole('heading', { level: 1, name: `Obligations of ${SUPERVISEE}` }).waitFor();
      const closed = officer.page.getByRole('table', { name: 'Met, exempted and past' });
      await closed.waitFor();
      const exempted = ruleRows(officer.page, closed, 'R2');
      assert.equal(await exempted.count(), 1);
      assert.equal(await statusOf(exempted), 'Exempted');
      assert.match(await exempted.locator('td').nth(3).innerText(), /exempted/);
      assert.equal(await ruleRows(officer.page, officer.page.locator('#open-obligations'), 'R2').count(), 0);
      assert.equal(await ruleRows(officer.page, officer.page.locator('#open-obligations'), 'R11').count(), 1);
      const keysAfter = await officer.page
        .getByLabel('Obligation')
        .locator('option')
        .evaluateAll((os) => os.map((o) => o.value));
      assert.ok(!keysAfter.includes(found.r2Key), 'an exempted obligation is not offered again');
      assert.equal(
        (await exemptionRow(officer.page, found.exemptionId).locator('td').nth(4).innerText()).trim(),
        `approved: ${APPROVAL_NOTE}`,
      );
      await assertClean(officer.page, officer.problems, "the officer's obligations with R2 exempted");

      // Today: R2 is gone, R11 is still owed.
      await officer.page.getByRole('link', { name: 'Today', exact: true }).click();
      await officer.page.waitForURL(/\/today$/);
      await officer.page.locator('#tasks').waitFor();
      assert.equal(await taskLines(officer.page, 'overdue', 'R2').count(), 0, 'R2 left the task list');
      assert.equal(await taskLines(officer.page, 'overdue', 'R11').count(), 1, 'R11 is still owed');
      const overdue = await taskLines(officer.page, 'overdue').count();
      assert.equal((await officer.page.locator('#count-overdue .app-counts__number').innerText()).trim(), `${overdue}`);
      await assertClean(officer.page, officer.problems, 'Today after the exemption');
    });

    test('the calendar feed lists the deadlines by case number until it is revoked', async () => {
      const { page, problems } = people.officer;
      await page.goto(`${server.baseUrl}/today`);
      await page.getByRole('heading', { level: 2, name: 'Calendar feed' }).waitFor();
      assert.equal(await page.locator('#feed-url').count(), 0);
      assert.equal(await page.getByRole('button', { name: 'Revoke the address' }).count(), 0);
      await page.getByRole('button', { name: 'Make a calendar address' }).click();
      await page.locator('#feed-url').waitFor();
      const address = (await page.locator('#feed-url').innerText()).trim();
      assert.match(address, /^\/calendar\/[0-9a-f]+\.ics$/);
      await page.getByRole('button', { name: 'Revoke the address' }).waitFor();
      await page.getByRole('button', { name: 'Replace the address' }).waitFor();
      await assertClean(page, problems, 'Today with a new calendar address');

      const feed = await page.request.get(`${server.baseUrl}${address}`);
      assert.equal(feed.status(), 200);
      assert.match(feed.headers()['content-type'] ?? '', /^text\/calendar/);
      // Unfolded (RFC 5545 3.1) before reading.
      const body = (await feed.text()).replace(/\r\n[ \t]/g, '');
      assert.ok(body.startsWith('BEGIN:VCALENDAR\r\n'), body.slice(0, 40));
      assert.ok(body.includes('BEGIN:VEVENT'), 'the feed has events');
      assert.ok(body.includes(`(case ${found.caseId})`), `the events name the case by number:\n${body}`);
      assert.match(body, new RegExp(`SUMMARY:R11 Waiver on file \\(case ${found.caseId}\\): overdue`));
      assert.ok(!body.includes('SUMMARY:R2 '), 'the exempted R2 is not in the feed');
      for (const part of [SUPERVISEE, ...SUPERVISEE.split(' ')]) {
        assert.ok(!body.includes(part), `the feed does not name the supervisee (${part})`);
      }

      // The address is shown once only.
      await page.goto(`${server.baseUrl}/today`);
      await page.getByRole('button', { name: 'Replace the address' }).waitFor();
      assert.equal(await page.locator('#feed-url').count(), 0, 'the address is not shown again');

      await page.getByRole('button', { name: 'Revoke the address' }).click();
      await page.waitForURL(/\/today$/);
      await page.getByRole('button', { name: 'Make a calendar address' }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Revoke the address' }).count(), 0);
      await assertClean(page, problems, 'Today after revoking the calendar address');
      const revoked = await page.request.get(`${server.baseUrl}${address}`);
      assert.equal(revoked.status(), 404);
      assert.ok(!(await revoked.text()).includes('BEGIN:VCALENDAR'));
    });

    test('county policy is a form: holidays as checkboxes, numbers within the law', async () => {
      // The system admin picks the county; the form has no configuration text to write.
      await admin.goto(`${server.baseUrl}/admin/policy`);
      await admin.getByRole('heading', { level: 1, name: 'County policy' }).waitFor();
      await admin.getByLabel('County to show').selectOption('Kings');
      await admin.getByRole('button', { name: 'Show', exact: true }).click();
      await admin.getByRole('heading', { level: 2, name: 'Kings County' }).waitFor();
      assert.equal(await admin.locator('textarea').count(), 0);
      const r9 = admin.getByRole('spinbutton', { name: /^R9 .*: months$/ });
      assert.equal(await r9.getAttribute('min'), '1');
      assert.equal(await r9.getAttribute('max'), '12');
      assert.ok(await admin.getByRole('checkbox', { name: /^Christmas Day/ }).isChecked());
      await assertClean(admin, adminProblems, 'the county policy form');

      // Juneteenth ticked and saved, then unticked again so later tests count the state's days.
      // The USWDS box is drawn on the label, which is what a person clicks.
      await admin.locator('label[for="holiday-juneteenth"]').click();
      await admin.getByRole('button', { name: 'Save Kings County\'s policy' }).click();
      await admin.getByText('Kings: policy saved.').waitFor();
      assert.ok(await admin.getByRole('checkbox', { name: /^Juneteenth/ }).isChecked());
      await assertClean(admin, adminProblems, 'the county policy form after saving');
      await admin.locator('label[for="holiday-juneteenth"]').click();
      await admin.getByRole('button', { name: 'Save Kings County\'s policy' }).click();
      await admin.getByText('Kings: policy saved.').waitFor();
      assert.ok(!(await admin.getByRole('checkbox', { name: /^Juneteenth/ }).isChecked()));
    });

    test('the dashboard counts the exempted R2 and lists the case behind the figure', async () => {
      // Only officer supervisors and agency admins see it.
      const refused = await people.officer.page.request.get(`${server.baseUrl}/dashboard`);
      assert.equal(refused.status(), 403);

      for (const key of ['supervisor', 'agencyAdmin']) {
        const { page, problems } = people[key];
        await page.goto(`${server.baseUrl}/`);
        await page.getByRole('link', { name: 'Dashboard' }).click();
        await page.waitForURL(/\/dashboard$/);
        await page.getByRole('heading', { level: 1, name: 'Compliance dashboard' }).waitFor();
        assert.match(await page.locator('#total-rate').innerText(), /\b1 exempted\b/);
        const byRule = page.getByRole('table', { name: 'By rule' });
        await byRule.waitFor();
        const headers = (await byRule.locator('thead th').allInnerTexts()).map((t) => t.trim());
        assert.deepEqual(headers, ['By rule', 'On time', 'Met on time', 'Met late', 'Overdue', 'Open', 'Exempted']);
        const r2 = byRule
          .getByRole('row')
          .filter({ has: page.getByRole('rowheader', { name: 'Static-99R before supervision', exact: true }) });
        assert.equal(await r2.count(), 1, 'R2 has a row');
        const r2Cells = (await r2.locator('td').allInnerTexts()).map((t) => t.trim());
        assert.deepEqual(r2Cells.slice(1), ['0', '0', '0', '0', '1'], `R2: ${r2Cells.join(' | ')}`);
        const r11 = byRule
          .getByRole('row')
          .filter({ has: page.getByRole('rowheader', { name: 'Waiver on file', exact: true }) });
        assert.equal((await r11.locator('td').nth(3).innerText()).trim(), '1', 'R11 is overdue');
        const officerRow = page
          .getByRole('table', { name: 'By officer' })
          .getByRole('row')
          .filter({ has: page.getByRole('rowheader', { name: 'Olive Officer', exact: true }) });
        assert.equal(await officerRow.count(), 1, 'the officer has a row');
        // Each rule's month-by-month chart is an image named for the rule, its figures beside it.
        await page.getByRole('img', { name: /^R2: Static-99R before supervision, on time month by month/ }).waitFor();
        await page.getByText('The figures of R2', { exact: true }).click();
        await page.getByRole('table', { name: 'R2: on time month by month' }).waitFor();
        await assertClean(page, problems, `the dashboard (${key})`);

        const exemptedLink = r2.locator('td').nth(5).getByRole('link', { name: '1', exact: true });
        const href = await exemptedLink.getAttribute('href');
        const params = new URL(href, server.baseUrl).searchParams;
        assert.equal(params.get('dimension'), 'rule');
        assert.equal(params.get('value'), 'R2');
        assert.equal(params.get('status'), 'exempted');
        await exemptedLink.click();
        await page.waitForURL(/\/dashboard\/list\?/);
        await page.getByRole('heading', { level: 1, name: /^rule R2, exempted, due / }).waitFor();
        await page.getByText('1 obligations.').waitFor();
        const behind = page.locator('#behind');
        await behind.waitFor();
        const rows = behind.locator('tbody tr');
        assert.equal(await rows.count(), 1);
        const cells = rows.first().locator('td');
        assert.equal(await statusOf(rows.first()), 'Exempted');
        assert.equal((await cells.nth(2).innerText()).trim(), 'R2');
        assert.equal(
          await cells.nth(3).getByRole('link', { name: SUPERVISEE, exact: true }).getAttribute('href'),
          found.casePath,
        );
        await assertClean(page, problems, `the list behind the exempted R2 (${key})`);

        await page.getByRole('link', { name: 'Back to the dashboard' }).click();
        await page.getByRole('heading', { level: 1, name: 'Compliance dashboard' }).waitFor();
      }
    });
  });
}
