import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { backends, browserUnavailable, startServer, launchBrowser, newWatchedPage } from '../lib/harness.mjs';
import { addAccount, addAgency, assertClean, firstSignIn, choosePassword, newAccountSignedIn } from '../lib/flows.mjs';

const skip = browserUnavailable();

/** The text of a file the page downloads when the link is clicked. */
async function downloadText(page, link) {
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  assert.equal(await download.failure(), null, 'the download completed');
  return { name: download.suggestedFilename(), text: await readFile(await download.path(), 'utf8') };
}

/** A CSV line from cells (none of the cells here needs quoting). */
const line = (cells) => cells.join(',');

const HEADINGS = [
  'Legal name',
  'Date of birth',
  'Sex',
  'CII number',
  'Supervision kind',
  'Supervising county',
  'Supervision start',
  'Supervising officer e-mail',
];

// Supervision started a month ago, whatever day the suite runs on.
const START = new Date(Date.now() - 30 * 86400e3).toISOString().slice(0, 10);

const FIRST = ['Morgan Imported', '1982-03-14', 'male', 'A11223344', 'probation', 'Kings', START, 'olive@kings.example'];
const SECOND_BAD = ['Riley Imported', '1979-13-40', 'female', 'A55667788', 'probation', 'Kings', START, 'nobody@kings.example'];
const SECOND = ['Riley Imported', '1979-11-30', 'female', 'A55667788', 'probation', 'Kings', START, 'olive@kings.example'];

const csv = (...rows) => Buffer.from(`${[HEADINGS, ...rows].map(line).join('\r\n')}\r\n`, 'utf8');

/** Chooses the file on the import page and checks it. */
async function checkFile(page, name, buffer) {
  await page.locator('#caseload-file').setInputFiles({ name, mimeType: 'text/csv', buffer });
  await page.getByRole('button', { name: 'Check file' }).click();
}

for (const backend of backends()) {
  describe(`caseload import and exports on ${backend}`, { skip: skip ?? false }, () => {
    let server;
    let browser;
    const people = {};

    before(async () => {
      server = await startServer(backend);
      browser = await launchBrowser();
      const { page: admin, problems, close } = await newWatchedPage(browser);
      await firstSignIn(admin, problems, server.baseUrl, server.admin.email, server.admin.password);
      await choosePassword(admin, problems, server.admin.password);
      await addAgency(admin, server.baseUrl, 'Kings County Probation', 'probation_department');
      const passwords = {};
      for (const [key, name, email, role] of [
        ['agencyAdmin', 'Ada Admin', 'ada@kings.example', 'agency_admin'],
        ['officer', 'Olive Officer', 'olive@kings.example', 'supervising_officer'],
      ]) {
        passwords[key] = await addAccount(admin, server.baseUrl, name, email, 'Kings County Probation', role);
        people[key] = await newAccountSignedIn(browser, newWatchedPage, server.baseUrl, email, passwords[key]);
      }
      await close();
    });

    after(async () => {
      for (const p of Object.values(people)) await p.close();
      await browser?.close();
      await server?.stop();
    });

    test('the agency admin downloads the template, sees the problems of a bad file by row and column, and imports the corrected one', async () => {
      const { page, problems } = people.agencyAdmin;
      await page.goto(`${server.baseUrl}/admin/users`);
      await page.getByRole('link', { name: 'Import a caseload' }).click();
      await page.waitForURL(/\/admin\/import$/);
      await page.getByRole('heading', { level: 1, name: 'Import a caseload' }).waitFor();
      await assertClean(page, problems, 'the import page');

      await page.getByRole('link', { name: 'Download the template (Excel workbook)' }).waitFor();
      const template = await downloadText(page, page.getByRole('link', { name: 'as CSV', exact: true }));
      assert.equal(template.name, 'caseload-template.csv');
      const [heading, example] = template.text.split(/\r?\n/);
      assert.ok(heading.startsWith('Legal name,Date of birth,Sex,CII number,CDCR number,'), heading);
      for (const h of ['Supervision start', 'Supervising officer e-mail', 'Polygraph examiner e-mail']) {
        assert.ok(heading.split(',').includes(h), `the template has the heading ${h}`);
      }
      assert.ok(example.startsWith('Pat Example,'), 'an example row follows the headings');

      // Row 3 has an impossible date of birth and an e-mail no account has: nothing is imported.
      await checkFile(page, 'caseload.csv', csv(FIRST, SECOND_BAD));
      await page.locator('#import-problems').waitFor();
      assert.match(await page.locator('#import-problems').innerText(), /Nothing was imported/);
      const rows = await page
        .getByRole('table', { name: 'Problems in the file' })
        .locator('tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.innerText.trim())));
      assert.ok(
        rows.some(([row, column]) => row === '3' && column === 'Date of birth'),
        `the bad date is named by row and column: ${JSON.stringify(rows)}`,
      );
      assert.ok(
        rows.some(([row, column, message]) => row === '3' && column === 'Supervising officer e-mail' && /nobody@kings\.example/.test(message)),
        `the unknown e-mail is named by row and column: ${JSON.stringify(rows)}`,
      );
      assert.ok(rows.every(([row]) => row === '3'), `row 2 is fine: ${JSON.stringify(rows)}`);
      assert.equal(await page.getByRole('button', { name: /^Import \d+ supervisees$/ }).count(), 0, 'nothing to import');
      await assertClean(page, problems, 'the problems of a bad file');

      // The corrected file: checked first (nothing written), then imported.
      await checkFile(page, 'caseload.csv', csv(FIRST, SECOND));
      await page.locator('#import-checked').waitFor();
      assert.match(await page.locator('#import-checked').innerText(), /2 rows: 2 new supervisees, 0 already on file/);
      const wouldBe = page.getByRole('table', { name: 'Supervisees created by the file' });
      assert.match(await wouldBe.innerText(), /Morgan Imported/);
      assert.match(await wouldBe.innerText(), /Riley Imported/);
      await assertClean(page, problems, 'a checked file');
      await page.getByRole('button', { name: 'Import 2 supervisees' }).click();
      await page.locator('#import-done').waitFor();
      assert.match(await page.locator('#import-done').innerText(), /2 supervisees imported/);
      await page.getByRole('link', { name: 'Morgan Imported' }).waitFor();
      await assertClean(page, problems, 'an imported file');

      // The same file again creates nothing: both are already on file.
      await checkFile(page, 'caseload.csv', csv(FIRST, SECOND));
      await page.locator('#import-checked').waitFor();
      assert.match(await page.locator('#import-checked').innerText(), /2 rows: 0 new supervisees, 2 already on file/);
      assert.equal(await page.getByRole('button', { name: /^Import \d+ supervisees$/ }).count(), 0);
    });

    test('the officer named in the file finds the supervisees in the caseload and downloads it as CSV', async () => {
      const { page, problems } = people.officer;
      await page.goto(`${server.baseUrl}/caseload`);
      await page.getByRole('link', { name: 'Morgan Imported' }).waitFor();
      await page.getByRole('link', { name: 'Riley Imported' }).waitFor();
      await assertClean(page, problems, 'the caseload with imported supervisees');

      const file = await downloadText(page, page.getByRole('link', { name: 'Download CSV' }));
      assert.match(file.name, /\.csv$/);
      const lines = file.text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l !== '');
      assert.ok(lines[0].startsWith('supervisee_id,legal_name,date_of_birth,cii_number,'), lines[0]);
      for (const [name, cii] of [
        ['Morgan Imported', 'A11223344'],
        ['Riley Imported', 'A55667788'],
      ]) {
        assert.ok(
          lines.some((l) => l.includes(name) && l.includes(cii)),
          `${name} is in the export: ${file.text}`,
        );
      }
      assert.deepEqual(problems, [], 'no problems on the download');
    });
  });
}
