import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  backends,
  browserUnavailable,
  startServer,
  launchBrowser,
  newWatchedPage,
} from '../lib/harness.mjs';
import { assertClean, firstSignIn, choosePassword, newAccountSignedIn } from '../lib/flows.mjs';

const skip = browserUnavailable();

for (const backend of backends()) {
  describe(`audit trail on ${backend}`, { skip: skip ?? false }, () => {
    let server;
    let browser;

    before(async () => {
      server = await startServer(backend);
      browser = await launchBrowser();
    });

    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    test('an auditor finds an officer who was refused the administration pages', async () => {
      const admin = await newWatchedPage(browser);
      await firstSignIn(admin.page, admin.problems, server.baseUrl, server.admin.email, server.admin.password);
      await choosePassword(admin.page, admin.problems, server.admin.password);

      await admin.page.goto(`${server.baseUrl}/admin/agencies`);
      await admin.page.getByLabel('Name', { exact: true }).fill('Lake County Probation');
      await admin.page.getByLabel('Kind').selectOption('probation_department');
      await admin.page.getByRole('button', { name: 'Add agency' }).click();
      await admin.page.getByRole('cell', { name: 'Lake County Probation' }).waitFor();
      const passwords = {};
      for (const [name, email, role] of [
        ['Sam Officer', 'sam@lake.example', 'supervising_officer'],
        ['Alex Auditor', 'alex@lake.example', 'auditor'],
      ]) {
        await admin.page.goto(`${server.baseUrl}/admin/users`);
        await admin.page.getByLabel('Name', { exact: true }).fill(name);
        await admin.page.getByLabel('E-mail address (the sign-in name)').fill(email);
        await admin.page.getByLabel('Agency', { exact: true }).selectOption({ label: 'Lake County Probation' });
        await admin.page.locator(`label[for="role-${role}"]`).click();
        await admin.page.getByRole('button', { name: 'Add account' }).click();
        passwords[email] = (await admin.page.locator('#one-time-password').innerText()).trim();
      }
      await admin.close();

      const officer = await newAccountSignedIn(browser, newWatchedPage, server.baseUrl, 'sam@lake.example', passwords['sam@lake.example']);
      const refused = await officer.page.goto(`${server.baseUrl}/admin/users`);
      assert.equal(refused.status(), 403);
      assert.equal(await officer.page.locator('h1').innerText(), 'Not allowed');
      await officer.close();

      const auditor = await newAccountSignedIn(browser, newWatchedPage, server.baseUrl, 'alex@lake.example', passwords['alex@lake.example']);
      const { page, problems } = auditor;
      await page.goto(`${server.baseUrl}/audit`);
      await page.getByLabel('Object kind').fill('route');
      await page.getByLabel('Outcome').selectOption('denied');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.waitForURL(/outcome=denied/);
      const row = page.getByRole('row').filter({ hasText: 'access_denied' }).filter({ hasText: 'route /admin/users' });
      await row.first().waitFor();
      assert.match(await row.first().innerText(), /method=GET/);
      await assertClean(page, problems, 'the audit search with a refused access');
      await auditor.close();
    });
  });
}
