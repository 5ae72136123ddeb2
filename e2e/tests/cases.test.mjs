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
      await page.goto(`${server.baseUrl}${server.casePath}`);
      for (const [role, email] of [
        ['treatment_provider', 'perry@valley.example'],
        ['polygraph_examiner', 'eve@central.example'],
      ]) {
        await page.getByLabel('Role').selectOption(role);
        await page.getByLabel("Member's e-mail address").fill(email);
        await page.getByRole('button', { name: 'Add to team' }).click();
        await page.getByText('added to the team').waitFor();
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
      await other.waitForURL(/\/cases\/\d+$/);
      await other.close();
      await page.getByLabel('Legal name').fill('Casey Mine');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.locator('#stale').waitFor();
      assert.match(await page.locator('#stale').innerText(), /Casey Example-Other/);
      await assertClean(page, problems, 'the stale-edit warning');
    });
  });
}
