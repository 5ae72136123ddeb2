import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  backends,
  browserUnavailable,
  startServer,
  launchBrowser,
  newWatchedPage,
} from '../lib/harness.mjs';
import { NEW_PASSWORD, assertClean, firstSignIn, choosePassword } from '../lib/flows.mjs';

const skip = browserUnavailable();

for (const backend of backends()) {
  describe(`identity on ${backend}`, { skip: skip ?? false }, () => {
    let server;
    let browser;
    let admin;
    let adminProblems;
    let closeAdmin;

    before(async () => {
      server = await startServer(backend);
      browser = await launchBrowser();
      const watched = await newWatchedPage(browser);
      admin = watched.page;
      adminProblems = watched.problems;
      closeAdmin = watched.close;
    });

    after(async () => {
      await closeAdmin?.();
      await browser?.close();
      await server?.stop();
    });

    test('a wrong password is refused without saying why', async () => {
      const { page, problems, close } = await newWatchedPage(browser);
      try {
        await page.goto(`${server.baseUrl}/sign-in`);
        await page.getByLabel('E-mail address').fill(server.admin.email);
        await page.getByLabel('Password', { exact: true }).fill('not the password');
        await page.locator('label[for="accept_notice"]').click();
        await page.getByRole('button', { name: 'Sign in' }).click();
        const alert = page.getByRole('alert');
        await alert.waitFor();
        assert.match(await alert.innerText(), /^There is a problem\s+Sign-in failed\./);
        assert.equal(new URL(page.url()).pathname, '/sign-in');
        await assertClean(page, problems, 'the sign-in page with an error');
      } finally {
        await close();
      }
    });

    test('the first administrator signs in with TOTP end to end', async () => {
      await firstSignIn(admin, adminProblems, server.baseUrl, server.admin.email, server.admin.password);
      await choosePassword(admin, adminProblems, server.admin.password);
      assert.equal(await admin.locator('h1').innerText(), 'Your account');
      await assertClean(admin, adminProblems, 'the account page');
      await admin.getByRole('button', { name: 'Sign out' }).waitFor();
      await admin.getByRole('link', { name: 'Administration' }).waitFor();
    });

    test('the administrator adds an agency and an account', async () => {
      await admin.goto(`${server.baseUrl}/admin/agencies`);
      await assertClean(admin, adminProblems, 'the agencies page');
      await admin.getByLabel('Name', { exact: true }).fill('Yuba County Probation');
      await admin.getByLabel('Kind').selectOption('probation_department');
      await admin.getByLabel('County (optional)').fill('Yuba');
      await admin.getByRole('button', { name: 'Add agency' }).click();
      await admin.getByRole('cell', { name: 'Yuba County Probation' }).waitFor();

      await admin.goto(`${server.baseUrl}/admin/users`);
      await assertClean(admin, adminProblems, 'the accounts page');
      await admin.getByLabel('Name', { exact: true }).fill('Robin Officer');
      await admin.getByLabel('E-mail address (the sign-in name)').fill('robin@yuba.example');
      await admin.getByLabel('Agency', { exact: true }).selectOption({ label: 'Yuba County Probation' });
      await admin.locator('label[for="role-supervising_officer"]').click();
      await admin.getByRole('button', { name: 'Add account' }).click();
      const oneTime = (await admin.locator('#one-time-password').innerText()).trim();
      assert.match(oneTime, /^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$/);
      await assertClean(admin, adminProblems, 'the account-created page');
      server.robinPassword = oneTime;

      await admin.goto(`${server.baseUrl}/admin/users`);
      await admin.getByRole('link', { name: 'Robin Officer' }).click();
      await admin.getByRole('button', { name: 'Disable account' }).waitFor();
      await assertClean(admin, adminProblems, "an account's page");
    });

    test('a new officer enrolls, signs out, and signs in again with a recovery code', async () => {
      const { page, problems, close } = await newWatchedPage(browser);
      try {
        const { codes } = await firstSignIn(page, problems, server.baseUrl, 'robin@yuba.example', server.robinPassword);
        await choosePassword(page, problems, server.robinPassword);
        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.waitForURL(/\/sign-in$/);

        await page.getByLabel('E-mail address').fill('robin@yuba.example');
        await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
        await page.locator('label[for="accept_notice"]').click();
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForURL(/\/sign-in\/mfa$/);
        await assertClean(page, problems, 'the verification page');
        await page.getByLabel('Verification or recovery code').fill(codes[0]);
        await page.getByRole('button', { name: 'Verify' }).click();
        await page.waitForURL((url) => url.pathname === '/today');
        await page.getByRole('heading', { level: 1, name: 'Today' }).waitFor();
        await assertClean(page, problems, 'Today, where a person lands after signing in');
        await page.getByRole('link', { name: 'My caseload' }).click();
        await assertClean(page, problems, 'the caseload page');
      } finally {
        await close();
      }
    });

    test('an API token created on the account page works once shown', async () => {
      await admin.goto(`${server.baseUrl}/account`);
      await admin.getByLabel('Name (what the token is for)').fill('reporting');
      await admin.getByRole('button', { name: 'Create token' }).click();
      const token = (await admin.locator('#new-token').innerText()).trim();
      assert.match(token, /^ctk_[0-9a-f]{64}$/);
      await assertClean(admin, adminProblems, 'the token page');
      const res = await fetch(`${server.baseUrl}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200);
      assert.equal((await res.json()).email, server.admin.email);
      // Shown once: the account page lists the token by name, never its value.
      await admin.goto(`${server.baseUrl}/account`);
      await admin.getByRole('cell', { name: 'reporting', exact: true }).waitFor();
      assert.ok(!(await admin.content()).includes(token), 'the token is not shown again');
      const anonymous = await fetch(`${server.baseUrl}/api/v1/me`);
      assert.equal(anonymous.status, 401);
    });
  });
}
