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

async function certify(admin, baseUrl, kind, email, number, level) {
  await admin.goto(`${baseUrl}/certifications`);
  await admin.getByLabel('Kind').selectOption(kind);
  await admin.getByLabel("Holder's e-mail (a person)").fill(email);
  if (level) await admin.getByLabel('Provider level').selectOption(level);
  await admin.getByLabel('Certificate number').fill(number);
  const today = new Date();
  const iso = (d) => d.toISOString().slice(0, 10);
  await admin.getByLabel('Issued on').fill(iso(new Date(today.getTime() - 100 * 86400e3)));
  await admin.getByLabel('Expires on').fill(iso(new Date(today.getTime() + 400 * 86400e3)));
  await admin.getByRole('button', { name: 'Record certification' }).click();
  await admin.getByText('The certification was recorded.').waitFor();
}

/** Test files for the document uploads: recognised by their first bytes, not by their names. */
const SIGNED_WAIVER_PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n', 'latin1');
// A real 1x1 PNG; it begins with the signature \x89PNG\r\n\x1a\n.
const RAP_SHEET_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);
const NOT_A_PDF = Buffer.from('These are plain-text notes, whatever the name says.\n', 'utf8');

/** Adds a document through the case page's "Add a document" form; the page shows the outcome. */
async function addDocument(page, { kind, waiver, description, file }) {
  const details = page.locator('details', { has: page.locator('#doc-file') });
  if (!(await details.evaluate((d) => d.open))) await details.locator('summary').click();
  await page.getByLabel('What it is').selectOption(kind);
  await page.getByLabel('For waiver (signed waivers only)').selectOption(waiver ?? '');
  await page.getByLabel('Description').fill(description ?? '');
  await page.locator('#doc-file').setInputFiles(file);
  await page.getByRole('button', { name: 'Store the document' }).click();
}

/** The rows of the documents table (none when the table is absent). */
function documentRows(page) {
  return page.locator('#documents tbody tr');
}

for (const backend of backends()) {
  describe(`case file on ${backend}`, { skip: skip ?? false }, () => {
    let server;
    let browser;
    let admin;
    let adminProblems;
    const passwords = {};
    const people = {};

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
      await addAgency(admin, server.baseUrl, 'Central Polygraph', 'polygraph_firm');
      await addAgency(admin, server.baseUrl, 'Kings County Sheriff', 'law_enforcement');
      for (const [key, name, email, agency, role] of [
        ['officer', 'Olive Officer', 'olive@kings.example', 'Kings County Probation', 'supervising_officer'],
        ['provider', 'Perry Provider', 'perry@valley.example', 'Valley Treatment', 'treatment_provider'],
        ['examiner', 'Eve Examiner', 'eve@central.example', 'Central Polygraph', 'polygraph_examiner'],
        ['deputy', 'Dan Deputy', 'dan@sheriff.example', 'Kings County Sheriff', 'law_enforcement'],
      ]) {
        passwords[key] = await addAccount(admin, server.baseUrl, name, email, agency, role);
      }
      await certify(admin, server.baseUrl, 'casomb_provider', 'perry@valley.example', 'CP-E2E-1', 'independent');
      await certify(admin, server.baseUrl, 'polygraph_pcsot', 'eve@central.example', 'PE-E2E-1');
      for (const [key, email] of [
        ['officer', 'olive@kings.example'],
        ['provider', 'perry@valley.example'],
        ['examiner', 'eve@central.example'],
        ['deputy', 'dan@sheriff.example'],
      ]) {
        people[key] = await newAccountSignedIn(browser, newWatchedPage, server.baseUrl, email, passwords[key]);
      }
    });

    after(async () => {
      for (const p of Object.values(people)) await p.close();
      await browser?.close();
      await server?.stop();
    });

    test('the certification registry lists and flags certifications accessibly', async () => {
      adminProblems.length = 0;
      await admin.goto(`${server.baseUrl}/certifications`);
      await admin.getByRole('cell', { name: 'CP-E2E-1' }).waitFor();
      await assertClean(admin, adminProblems, 'the certification registry');
    });

    test('an officer opens a case, sees the team gaps and assigns the team', async () => {
      const { page, problems } = people.officer;
      await page.goto(`${server.baseUrl}/caseload`);
      await assertClean(page, problems, 'an empty caseload');
      await page.getByRole('link', { name: 'Open a case' }).click();
      await assertClean(page, problems, 'the open-case form');
      await page.getByLabel('Legal name').fill('Casey Example');
      await page.getByLabel('Date of birth').fill('1979-04-12');
      await page.getByLabel('CII number').fill('A87654321');
      await page.getByLabel('Court case numbers (one per line)').fill('KCR-4411');
      await page.getByLabel('Kind').selectOption('probation');
      await page.getByLabel('Supervising county').fill('Kings');
      await page.getByRole('button', { name: 'Open case' }).click();
      await page.waitForURL(/\/cases\/\d+$/);
      server.casePath = new URL(page.url()).pathname;
      await page.locator('#team-gaps').waitFor();
      assert.match(await page.locator('#team-gaps').innerText(), /treatment provider, polygraph examiner/i);
      await assertClean(page, problems, 'a case with team gaps');

      // Opening the same person again is refused with a link to the record.
      await page.goto(`${server.baseUrl}/cases/new`);
      await page.getByLabel('Legal name').fill('Casey Again');
      await page.getByLabel('Date of birth').fill('1979-04-12');
      await page.getByLabel('CII number').fill('a8765-4321');
      await page.getByLabel('Supervising county').fill('Kings');
      await page.getByRole('button', { name: 'Open case' }).click();
      await page.getByRole('link', { name: 'Go to the existing record' }).waitFor();
      await assertClean(page, problems, 'the duplicate warning');
    });

    test('the provider sees the case only once on its team', async () => {
      const provider = people.provider.page;
      let res = await provider.goto(`${server.baseUrl}${server.casePath}`);
      assert.equal(res.status(), 404);
      await provider.goto(`${server.baseUrl}/caseload`);
      assert.equal(await provider.getByRole('link', { name: 'Casey Example' }).count(), 0);
      // The browser logs the expected 404 as a console error; only what follows counts.
      people.provider.problems.length = 0;

      const { page, problems } = people.officer;
      await page.goto(`${server.baseUrl}${server.casePath}/team`);
      for (const [role, email] of [
        ['treatment_provider', 'perry@valley.example'],
        ['polygraph_examiner', 'eve@central.example'],
      ]) {
        await page.getByLabel('Role').selectOption(role);
        await page.getByLabel("Member's e-mail address").fill(email);
        await page.getByRole('button', { name: 'Add to team' }).click();
        // The team section is replaced in place; the notice names the role just added.
        await page.getByText(`${role.replace('_', ' ')} added to the team`).waitFor();
      }
      assert.equal(await page.locator('#team-gaps').count(), 0, 'the team is complete');
      await assertClean(page, problems, 'a case with a complete team');

      res = await provider.goto(`${server.baseUrl}${server.casePath}`);
      assert.equal(res.status(), 200);
      await provider.getByRole('heading', { name: 'Casey Example' }).waitFor();
      assert.equal(await provider.getByRole('button', { name: 'Add to team' }).count(), 0, 'providers do not staff teams');
      await provider.goto(`${server.baseUrl}/caseload`);
      await provider.getByRole('link', { name: 'Casey Example' }).waitFor();
      await assertClean(provider, people.provider.problems, "the provider's caseload");
    });

    test('law enforcement not on the team cannot open the case, and a stale edit is refused', async () => {
      const res = await people.deputy.page.goto(`${server.baseUrl}${server.casePath}`);
      assert.equal(res.status(), 404);

      const { page, problems } = people.officer;
      await page.goto(`${server.baseUrl}${server.casePath}/edit`);
      await assertClean(page, problems, 'the edit form');
      // Someone else saves first (another tab of the same officer).
      const other = await page.context().newPage();
      await other.goto(`${server.baseUrl}${server.casePath}/edit`);
      await other.getByLabel('Legal name').fill('Casey Example-Other');
      await other.getByRole('button', { name: 'Save' }).click();
      await other.waitForURL(/\/cases\/\d+\/details$/);
      await other.close();
      await page.getByLabel('Legal name').fill('Casey Mine');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.locator('#stale').waitFor();
      assert.match(await page.locator('#stale').innerText(), /Casey Example-Other/);
      await assertClean(page, problems, 'the stale-edit warning');
    });

    // Waivers, documents and the timeline. These build on the case and team set up above.
    const records = {};

    test('the officer records the court-ordered waiver and stores documents, refusing bad uploads', async () => {
      const { page, problems } = people.officer;
      await page.goto(`${server.baseUrl}${server.casePath}/waivers`);
      await page.locator('#waiver-missing').waitFor();

      // The court-ordered waiver through the form.
      await page.locator('summary', { hasText: 'Record a waiver or consent' }).click();
      await page.getByLabel('Legal basis').selectOption('pc_1203_067_b4');
      await page.getByLabel('Who discloses').fill('Valley Treatment');
      for (const role of ['supervising_officer', 'treatment_provider', 'polygraph_examiner']) {
        await page.locator(`label[for="rr-${role}"]`).click();
      }
      await page.locator('label[for="cat-progress"]').click();
      await page.getByLabel('Purpose').fill('Containment team supervision');
      await page.getByRole('button', { name: 'Record', exact: true }).click();
      // The notice names the waiver as people do, by its kind and the day it took effect (no
      // signing day was given), never by an internal number.
      const recorded = page.getByText(/^Treatment information waiver in force from [A-Z][a-z]{2} \d{1,2}, \d{4} recorded\.$/);
      await recorded.waitFor();
      records.waiverName = (await recorded.innerText()).trim().replace(/ recorded\.$/, '');
      records.waiverPhrase = records.waiverName.replace(/^T/, 't');
      assert.equal(await page.locator('#waiver-missing').count(), 0, 'a court-ordered waiver is in force');
      const waiverRow = page
        .getByRole('table', { name: 'Waivers and consents' })
        .getByRole('row')
        .filter({ has: page.getByRole('cell', { name: records.waiverName, exact: true }) });
      const waiverText = await waiverRow.innerText();
      for (const expected of ['PC 1203.067(b)(4)', 'supervising officer', 'treatment provider', 'polygraph examiner', 'treatment progress', 'in force']) {
        assert.ok(waiverText.includes(expected), `the waiver row shows ${expected}: ${waiverText}`);
      }
      assert.match(
        await page.locator('#treatment-access').innerText(),
        new RegExp(`treatment progress \\(under the ${records.waiverPhrase}\\)`),
      );
      await assertClean(page, problems, 'a case with a recorded waiver');

      // The signed waiver for it, then a rap sheet, on the case's documents page.
      await page.goto(`${server.baseUrl}${server.casePath}/documents`);
      // The form offers the waiver by its name; its option carries the record it stands for.
      records.waiverId = await page
        .locator('#doc-waiver option', { hasText: records.waiverName })
        .getAttribute('value');
      assert.match(records.waiverId, /^\d+$/);
      assert.deepEqual(SIGNED_WAIVER_PDF.subarray(0, 8), Buffer.from('%PDF-1.4'));
      await addDocument(page, {
        kind: 'signed_waiver',
        waiver: records.waiverId,
        description: 'Signed PC 1203.067(b)(4) waiver',
        file: { name: 'signed-waiver.pdf', mimeType: 'application/pdf', buffer: SIGNED_WAIVER_PDF },
      });
      await page.getByText('Document stored.', { exact: true }).waitFor();
      assert.deepEqual(RAP_SHEET_PNG.subarray(0, 8), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      await addDocument(page, {
        kind: 'rap_sheet',
        description: 'DOJ criminal history',
        file: { name: 'rap-sheet.png', mimeType: 'image/png', buffer: RAP_SHEET_PNG },
      });
      await page.getByText('Document stored.', { exact: true }).waitFor();

      await page.goto(`${server.baseUrl}${server.casePath}/documents`);
      await page.locator('#documents').waitFor();
      assert.equal(await documentRows(page).count(), 2);
      const waiverDoc = documentRows(page).filter({ has: page.getByRole('link', { name: 'signed-waiver.pdf' }) });
      assert.ok(
        (await waiverDoc.innerText()).includes(`for the ${records.waiverPhrase}`),
        `the signed waiver names its waiver: ${await waiverDoc.innerText()}`,
      );
      assert.equal(await waiverDoc.getByText('CORI: do not re-disseminate').count(), 0, 'a signed waiver is not CORI');
      const rapRow = documentRows(page).filter({ has: page.getByRole('link', { name: 'rap-sheet.png' }) });
      await rapRow.getByText('CORI: do not re-disseminate').waitFor();
      assert.match(await page.locator('#cori-mark').innerText(), /Do not re-disseminate/);
      records.rapSheetHref = await page.getByRole('link', { name: 'rap-sheet.png' }).getAttribute('href');
      records.waiverDocHref = await page.getByRole('link', { name: 'signed-waiver.pdf' }).getAttribute('href');
      assert.match(records.rapSheetHref, new RegExp(`^${server.casePath}/documents/\\d+$`));
      assert.match(records.waiverDocHref, new RegExp(`^${server.casePath}/documents/\\d+$`));
      await assertClean(page, problems, 'a case with a signed waiver and a rap sheet');

      // A text file labelled as a PDF is refused, and so is a signed waiver that names no waiver.
      await addDocument(page, {
        kind: 'rap_sheet',
        file: { name: 'notes.pdf', mimeType: 'application/pdf', buffer: NOT_A_PDF },
      });
      await page.locator('#form-errors').waitFor();
      assert.match(await page.locator('#form-errors').innerText(), /file is not valid: it is not a PDF, PNG, JPEG or TIFF file/);
      assert.equal(await page.getByText('Document stored.', { exact: true }).count(), 0);
      assert.equal(await documentRows(page).count(), 2, 'nothing was stored');
      await assertClean(page, problems, 'a refused upload');

      await addDocument(page, {
        kind: 'signed_waiver',
        file: { name: 'unattached.pdf', mimeType: 'application/pdf', buffer: SIGNED_WAIVER_PDF },
      });
      await page.locator('#form-errors').waitFor();
      assert.match(await page.locator('#form-errors').innerText(), /waiver: say which waiver this signed document belongs to/);
      assert.equal(await documentRows(page).count(), 2, 'nothing was stored');

      await page.goto(`${server.baseUrl}${server.casePath}/documents`);
      assert.equal(await documentRows(page).count(), 2);
      await page.goto(`${server.baseUrl}${server.casePath}/timeline`);
      const timeline = await page.locator('#timeline').innerText();
      assert.match(timeline, /Document added by Olive Officer/);
      assert.match(timeline, /Waiver recorded by Olive Officer/);
      assert.equal((timeline.match(/Document added/g) ?? []).length, 2, 'one entry per stored document');
      await assertClean(page, problems, "the officer's timeline");
    });

    test('the provider on the team sees the documents under the waiver and downloads the marked rap sheet', async () => {
      const { page, problems } = people.provider;
      // On a phone the overview and each part of the case wrap: nothing scrolls sideways.
      const wide = page.viewportSize();
      await page.setViewportSize({ width: 390, height: 844 });
      for (const part of ['', '/team', '/waivers', '/documents', '/timeline']) {
        await page.goto(`${server.baseUrl}${server.casePath}${part}`);
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= 390, `${part || 'the overview'} is ${width} px wide at 390 px`);
      }
      await page.setViewportSize(wide);
      const res = await page.goto(`${server.baseUrl}${server.casePath}/team`);
      assert.equal(res.status(), 200);
      const providerRow = page
        .getByRole('table', { name: 'Containment team' })
        .getByRole('row')
        .filter({ hasText: 'Perry Provider' });
      assert.match(await providerRow.innerText(), /treatment provider/i, 'the provider is on the team');

      await page.goto(`${server.baseUrl}${server.casePath}/waivers`);
      assert.match(
        await page.locator('#treatment-access').innerText(),
        new RegExp(`^Treatment information you may see: treatment progress \\(under the ${records.waiverPhrase}\\)`),
      );
      await page.goto(`${server.baseUrl}${server.casePath}/documents`);
      await page.locator('#documents').waitFor();
      assert.equal(await documentRows(page).count(), 2);
      await page.getByRole('link', { name: 'signed-waiver.pdf' }).waitFor();
      const rapLink = page.getByRole('link', { name: 'rap-sheet.png' });
      await rapLink.waitFor();
      await page.getByText('CORI: do not re-disseminate').waitFor();
      assert.match(await page.locator('#cori-mark').innerText(), /Do not re-disseminate/);

      const [download] = await Promise.all([page.waitForEvent('download'), rapLink.click()]);
      assert.ok(
        download.suggestedFilename().startsWith('CORI-do-not-redisseminate-'),
        `CORI file name: ${download.suggestedFilename()}`,
      );
      assert.equal(download.suggestedFilename(), 'CORI-do-not-redisseminate-rap-sheet.png');
      assert.equal(await download.failure(), null);

      // The same download as the server sends it: the mark travels in a header, the bytes intact.
      const file = await page.request.get(`${server.baseUrl}${records.rapSheetHref}`);
      assert.equal(file.status(), 200);
      assert.match(file.headers()['x-record-notice'] ?? '', /Do not re-disseminate/);
      assert.match(file.headers()['content-disposition'] ?? '', /^attachment; filename="CORI-do-not-redisseminate-/);
      assert.deepEqual(await file.body(), RAP_SHEET_PNG);
      const waiverFile = await page.request.get(`${server.baseUrl}${records.waiverDocHref}`);
      assert.equal(waiverFile.status(), 200);
      assert.match(waiverFile.headers()['content-disposition'] ?? '', /^attachment; filename="signed-waiver\.pdf"/);

      await assertClean(page, problems, "the provider's case page with documents");
    });

    test('registering law enforcement on the team sees no waiver, treatment information or documents', async () => {
      const deputy = people.deputy.page;
      // The 404 of the earlier test was logged as a console error; only what follows counts.
      people.deputy.problems.length = 0;

      const { page, problems } = people.officer;
      await page.goto(`${server.baseUrl}${server.casePath}/team`);
      await page.getByLabel('Role').selectOption('registering_law_enforcement');
      await page.getByLabel("Member's e-mail address").fill('dan@sheriff.example');
      await page.getByRole('button', { name: 'Add to team' }).click();
      await page.getByText('added to the team').waitFor();
      assert.match(await page.getByRole('row').filter({ hasText: 'Dan Deputy' }).innerText(), /registering law enforcement/i);
      await assertClean(page, problems, 'a case with law enforcement on the team');

      const res = await deputy.goto(`${server.baseUrl}${server.casePath}`);
      assert.equal(res.status(), 200);
      await deputy.getByRole('heading', { level: 1 }).waitFor();
      await deputy.goto(`${server.baseUrl}${server.casePath}/waivers`);
      assert.equal(
        (await deputy.locator('#treatment-access').innerText()).trim(),
        'Treatment information you may see: none.',
      );
      assert.equal(await deputy.getByRole('table', { name: 'Waivers and consents' }).count(), 0, 'no waivers shown');
      await deputy.goto(`${server.baseUrl}${server.casePath}/documents`);
      await deputy.locator('#documents-heading').waitFor();
      await deputy.getByText('No documents you may see.').waitFor();
      assert.equal(await deputy.locator('#documents').count(), 0);
      assert.equal(await deputy.locator('#cori-mark').count(), 0);
      assert.equal(await deputy.getByText('CORI: do not re-disseminate').count(), 0);
      assert.equal(await deputy.getByRole('link', { name: /rap-sheet|signed-waiver/ }).count(), 0);
      // Whatever the deputy may add, it is none of the kinds they may not read.
      const kinds = await deputy.locator('#doc-kind option').evaluateAll((os) => os.map((o) => o.value));
      for (const hidden of ['signed_waiver', 'rap_sheet', 'police_report', 'probation_report', 'substance_use_record']) {
        assert.ok(!kinds.includes(hidden), `the deputy is not offered ${hidden}`);
      }
      await deputy.goto(`${server.baseUrl}${server.casePath}/timeline`);
      const timeline = await deputy.locator('#timeline').innerText();
      assert.match(timeline, /Case opened/);
      assert.doesNotMatch(timeline, /Document added/);
      assert.doesNotMatch(timeline, /Waiver recorded/);
      await assertClean(deputy, people.deputy.problems, "the deputy's case page");

      // Asking for the files directly does not work either (the same session, outside the page).
      for (const href of [records.rapSheetHref, records.waiverDocHref]) {
        const file = await deputy.request.get(`${server.baseUrl}${href}`);
        assert.ok([403, 404].includes(file.status()), `GET ${href} answered ${file.status()}`);
        assert.equal(file.headers()['content-disposition'], undefined, 'no file is sent');
        assert.ok(!(await file.body()).equals(RAP_SHEET_PNG));
      }
    });

    test('the provider records treatment and a contact; the officer confirms it; law enforcement sees none of it', async () => {
      const provider = people.provider;
      await provider.page.goto(`${server.baseUrl}${server.casePath}/treatment`);
      await provider.page.getByRole('heading', { name: 'Treatment and communication' }).waitFor();
      await provider.page.getByText('Record a treatment enrollment').click();
      await provider.page.getByLabel('Treatment kind').selectOption('post_conviction');
      await provider.page.getByLabel('Treatment targets (criminogenic needs)').fill('Sexual self-regulation');
      await provider.page.getByRole('button', { name: 'Record the enrollment' }).click();
      await provider.page.getByText('Post-conviction treatment recorded.').waitFor();
      assert.match(await provider.page.locator('#treatments').innerText(), /Post-conviction/);

      await provider.page.getByText('Document a contact').click();
      await provider.page.getByLabel('Mode').selectOption('phone');
      await provider.page.locator('label[for="topic-progress"]').click();
      await provider.page.getByLabel('Notes', { exact: true }).fill('Attending weekly; engaged.');
      await provider.page.getByRole('button', { name: 'Document the contact' }).click();
      await provider.page.getByText(/reads unconfirmed until the other side confirms it/).waitFor();
      assert.match(await provider.page.locator('#contacts').innerText(), /unconfirmed/);
      await assertClean(provider.page, provider.problems, "the provider's treatment page");

      const { page, problems } = people.officer;
      await page.goto(`${server.baseUrl}${server.casePath}/treatment`);
      await page.getByRole('button', { name: /^Confirm/ }).click();
      await page.getByText('Contact confirmed.').waitFor();
      assert.match(await page.locator('#contacts').innerText(), /confirmed by both sides/);
      await assertClean(page, problems, "the officer's treatment page");

      people.deputy.problems.length = 0;
      const res = await people.deputy.page.goto(`${server.baseUrl}${server.casePath}/treatment`);
      assert.ok([403, 404].includes(res.status()), `the deputy got ${res.status()}`);
      people.deputy.problems.length = 0;
    });

    test('the examiner records a maintenance exam with a disclosure; the provider sees the exam but not the disclosure without a covering waiver', async () => {
      // The officer drafts the referral questions with the team.
      const officer = people.officer;
      await officer.page.goto(`${server.baseUrl}${server.casePath}/polygraph`);
      await officer.page.locator('summary', { hasText: 'Draft referral questions' }).click();
      await officer.page.getByLabel('Exam asked for').selectOption('maintenance');
      await officer.page.getByLabel('Questions for the examiner').fill('Since your last exam, have you had contact with a minor?');
      await officer.page.getByRole('button', { name: 'Draft the referral' }).click();
      await officer.page.getByText(/^Referral drafted/).waitFor();
      await assertClean(officer.page, officer.problems, "the officer's polygraph page with a referral");

      // The examiner takes it up: the form is filled in from it.
      const examiner = people.examiner;
      await examiner.page.goto(`${server.baseUrl}${server.casePath}/polygraph`);
      await examiner.page.getByRole('link', { name: /^Use for the exam/ }).click();
      await examiner.page.locator('#referral-note').waitFor();
      assert.equal(await examiner.page.getByLabel('Type').inputValue(), 'maintenance');
      assert.equal(
        await examiner.page.getByLabel('Referral questions (drafted with the team)').inputValue(),
        'Since your last exam, have you had contact with a minor?',
      );
      // The agency's today (California), as the form's upper bound states it.
      const examDate = examiner.page.getByLabel('Exam date');
      await examDate.fill(await examDate.getAttribute('max'));
      await examiner.page.getByLabel('Result').selectOption('nsr');
      await examiner.page.getByLabel('Disclosures', { exact: true }).fill('Admitted viewing adult pornography twice.');
      await examiner.page.locator('label[for="dc-sexual_material"]').click();
      await examiner.page.getByRole('button', { name: 'Record the exam' }).click();
      await examiner.page.getByText('Exam recorded.').waitFor();
      await examiner.page.getByText('None open.').waitFor();
      assert.match(await examiner.page.locator('#exams').innerText(), /Maintenance/);
      assert.notEqual((await examiner.page.locator('#next-maintenance').innerText()).trim(), '');
      await assertClean(examiner.page, examiner.problems, "the examiner's polygraph page");

      // The court waiver on this case covers treatment progress only, not disclosures.
      const provider = people.provider;
      await provider.page.goto(`${server.baseUrl}${server.casePath}/polygraph`);
      assert.match(await provider.page.locator('#exams').innerText(), /Maintenance/);
      await provider.page.locator('.withheld').first().waitFor();
      assert.equal(await provider.page.getByText('Admitted viewing adult pornography').count(), 0);
      await assertClean(provider.page, provider.problems, "the provider's polygraph page");
    });

    test('the provider writes the monthly report from the sessions recorded and signs it; the officer acknowledges it, which locks it; a correction is a new version', async () => {
      const officer = people.officer;
      const provider = people.provider;
      // A waiver covering monthly reports and attendance for the officer and the provider.
      await officer.page.goto(`${server.baseUrl}${server.casePath}/waivers`);
      await officer.page.locator('summary', { hasText: 'Record a waiver or consent' }).click();
      await officer.page.getByLabel('Legal basis').selectOption('pc_1203_067_b4');
      await officer.page.getByLabel('Who discloses').fill('Valley Treatment');
      for (const role of ['supervising_officer', 'treatment_provider']) {
        await officer.page.locator(`label[for="rr-${role}"]`).click();
      }
      await officer.page.locator('label[for="cat-monthly_reports"]').click();
      await officer.page.locator('label[for="cat-attendance_detail"]').click();
      await officer.page.getByLabel('Purpose').fill('Monthly communication');
      await officer.page.getByRole('button', { name: 'Record', exact: true }).click();
      await officer.page.getByText(/^Treatment information waiver .+ recorded\.$/).waitFor();

      // Two sessions this month: one attended, one missed.
      await provider.page.goto(`${server.baseUrl}${server.casePath}/treatment`);
      for (const attendance of ['attended', 'missed']) {
        const on = provider.page.getByLabel('Session date');
        await on.fill(await on.getAttribute('max'));
        await provider.page.locator(`label[for="attendance-${attendance}"]`).click();
        await provider.page.getByRole('button', { name: 'Record the session' }).click();
        await provider.page.locator('#sessions').waitFor();
      }
      assert.equal(await provider.page.locator('#sessions tbody tr').count(), 2);

      // The report, from the case page, with the counts filled in from the sessions.
      await provider.page.goto(`${server.baseUrl}${server.casePath}`);
      await provider.page.getByRole('link', { name: 'Monthly reports' }).click();
      await provider.page.getByRole('button', { name: 'Write the report' }).click();
      await provider.page.getByRole('heading', { name: /^Monthly progress report: / }).waitFor();
      assert.equal(await provider.page.getByLabel('Scheduled').inputValue(), '2');
      assert.equal(await provider.page.getByLabel('Attended').inputValue(), '1');
      assert.equal(await provider.page.getByLabel('Missed').inputValue(), '1');
      assert.equal(await provider.page.getByLabel('Excused').inputValue(), '0');
      await assertClean(provider.page, provider.problems, 'the monthly report form');
      // Typed from the keyboard, section after section.
      await provider.page.getByLabel('Participation and progress on treatment modules and targets').focus();
      await provider.page.keyboard.type('Engaged in group; began the relapse-prevention module.');
      await provider.page.keyboard.press('Tab');
      await provider.page.keyboard.type('Stable.');
      // Going on to sign without the concerns section is refused, and nothing typed is lost.
      await provider.page.getByRole('button', { name: 'Continue to check your answers' }).click();
      await provider.page.locator('#form-errors').waitFor();
      assert.match(await provider.page.locator('#form-errors').innerText(), /concerns and recommendations/);
      // The summary links to the field, and the message is repeated at the field.
      assert.equal(await provider.page.locator('#form-errors a[href="#concerns"]').count(), 1);
      assert.match(await provider.page.locator('#concerns-error').innerText(), /write "none"/);
      assert.equal(await provider.page.locator('#concerns').getAttribute('aria-invalid'), 'true');
      assert.equal(
        await provider.page.getByLabel('Participation and progress on treatment modules and targets').inputValue(),
        'Engaged in group; began the relapse-prevention module.',
      );
      assert.equal(await provider.page.getByLabel('Changes in dynamic risk factors').inputValue(), 'Stable.');
      await provider.page.getByLabel('Concerns and recommendations').fill('None.');
      // Check your answers: the whole report as it will be signed, nothing signed yet.
      await provider.page.getByRole('button', { name: 'Continue to check your answers' }).click();
      await provider.page.getByRole('heading', { name: 'Check your answers before signing' }).waitFor();
      assert.match(await provider.page.locator('#answer-participation').innerText(), /relapse-prevention module/);
      assert.equal((await provider.page.locator('#answer-concerns').innerText()).trim(), 'None.');
      assert.match(await provider.page.locator('#answer-sessions').innerText(), /2 scheduled: 1 attended, 1 missed/);
      await assertClean(provider.page, provider.problems, 'check your answers');
      // "Change" leads back to the field on the form, with what was typed.
      await provider.page.getByRole('link', { name: 'Change changes in dynamic risk factors' }).click();
      assert.equal(await provider.page.getByLabel('Changes in dynamic risk factors').inputValue(), 'Stable.');
      await provider.page.getByLabel('Changes in dynamic risk factors').fill('Stable; no new risk factors.');
      await provider.page.getByRole('button', { name: 'Continue to check your answers' }).click();
      assert.match(await provider.page.locator('#answer-dynamic_risk').innerText(), /no new risk factors/);
      await provider.page.getByRole('button', { name: 'Sign and submit' }).click();
      await provider.page.getByText('Report signed and submitted to the officer.').waitFor();
      assert.match(await provider.page.locator('#report-status').innerText(), /Signed and submitted/);
      await assertClean(provider.page, provider.problems, 'a signed monthly report');
      const reportPath = new URL(provider.page.url()).pathname;

      // The officer acknowledges it with an officer section; it is then locked.
      await officer.page.goto(`${server.baseUrl}${server.casePath}/monthly-reports`);
      await assertClean(officer.page, officer.problems, 'the list of monthly reports');
      await officer.page.locator('#reports a').first().click();
      await officer.page.getByLabel("Officer's notes: supervision this month, agreement, actions").fill('Discussed at the home visit.');
      await assertClean(officer.page, officer.problems, 'a report awaiting acknowledgement');
      await officer.page.getByRole('button', { name: 'Acknowledge the report' }).click();
      await officer.page.getByText('Report acknowledged. It is now locked.').waitFor();
      assert.match(await officer.page.locator('#report-status').innerText(), /Acknowledged \(locked\)/);
      assert.equal(await officer.page.locator('#acknowledge-form').count(), 0);
      assert.match(await officer.page.locator('#officer-section').innerText(), /Discussed at the home visit/);
      const pdf = await officer.page.request.get(`${server.baseUrl}${reportPath}/report.pdf`);
      assert.equal(pdf.status(), 200);
      assert.equal(pdf.headers()['content-type'], 'application/pdf');
      assert.ok((await pdf.body()).subarray(0, 5).equals(Buffer.from('%PDF-')));

      // The provider corrects it: a new version, signed again; version 1 stays as it was.
      await provider.page.goto(`${server.baseUrl}${reportPath}`);
      await provider.page.getByRole('button', { name: 'Correct with a new version' }).click();
      await provider.page.getByText('A new version was started from the signed one').waitFor();
      await provider.page.getByLabel('Missed').fill('0');
      await provider.page.getByLabel('Excused').fill('1');
      await provider.page.getByRole('button', { name: 'Continue to check your answers' }).click();
      await provider.page.getByRole('button', { name: 'Sign and submit' }).click();
      await provider.page.getByText('Report signed and submitted to the officer.').waitFor();
      assert.equal(await provider.page.locator('#versions tbody tr').count(), 2);
      await assertClean(provider.page, provider.problems, 'a corrected monthly report');
      await officer.page.goto(`${server.baseUrl}${reportPath}`);
      await officer.page.getByText(/Superseded: version 2 corrects this one/).waitFor();
      assert.match(await officer.page.locator('#officer-section').innerText(), /Discussed at the home visit/);

      // Law enforcement on the team is given none of it.
      people.deputy.problems.length = 0;
      await people.deputy.page.goto(`${server.baseUrl}${server.casePath}/monthly-reports`);
      await people.deputy.page.locator('#reports-withheld').waitFor();
      const res = await people.deputy.page.request.get(`${server.baseUrl}${reportPath}/report.pdf`);
      assert.ok([403, 404].includes(res.status()), `the deputy got ${res.status()}`);
      await assertClean(people.deputy.page, people.deputy.problems, "the deputy's monthly reports page");
    });
  });
}
