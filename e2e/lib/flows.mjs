// Flows a person goes through, shared by the browser suites.
import assert from 'node:assert/strict';
import { accessibilityViolations } from './harness.mjs';
import { totp } from './totp.mjs';

export const NEW_PASSWORD = 'copper lantern meadow 7';

/** Asserts zero axe violations and no console errors, failed requests or CSP reports. */
export async function assertClean(page, problems, what) {
  assert.deepEqual(await accessibilityViolations(page), [], `axe on ${what}`);
  assert.deepEqual(problems, [], `problems on ${what}`);
}

/** Signs in with the password, enrolls TOTP from the page, and returns the recovery codes. */
export async function firstSignIn(page, problems, baseUrl, email, password) {
  await page.goto(`${baseUrl}/sign-in`);
  await assertClean(page, problems, 'the sign-in page');
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.locator('label[for="accept_notice"]').click();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/sign-in\/enroll$/);
  await assertClean(page, problems, 'the enrollment page');
  const secret = (await page.locator('#totp-secret').innerText()).trim();
  assert.match(secret, /^[A-Z2-7]+=*$/);
  await page.getByLabel('6-digit code from the app').fill(totp(secret));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.locator('#recovery-codes').waitFor();
  await assertClean(page, problems, 'the recovery codes page');
  const codes = await page.locator('#recovery-codes code').allInnerTexts();
  assert.equal(codes.length, 10);
  // 80 bits each: four groups of four Crockford base-32 characters.
  for (const code of codes) assert.match(code, /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
  assert.equal(new Set(codes).size, 10, 'recovery codes are distinct');
  return { secret, codes };
}

export async function choosePassword(page, problems, current) {
  await page.getByRole('link', { name: /I have saved them/ }).click();
  await page.waitForURL(/\/account\/password$/);
  await assertClean(page, problems, 'the password page');
  await page.getByLabel('Current password').fill(current);
  await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel('New password again').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.waitForURL(/\/account$/);
}


/** Signs a new account in for the first time and chooses its password. */
export async function newAccountSignedIn(browser, newWatchedPage, baseUrl, email, oneTimePassword) {
  const watched = await newWatchedPage(browser);
  await firstSignIn(watched.page, watched.problems, baseUrl, email, oneTimePassword);
  await choosePassword(watched.page, watched.problems, oneTimePassword);
  return watched;
}

/** The administrator adds an account through the admin page; returns its one-time password. */
export async function addAccount(admin, baseUrl, name, email, agency, roleCode) {
  await admin.goto(`${baseUrl}/admin/users`);
  await admin.getByLabel('Name', { exact: true }).fill(name);
  await admin.getByLabel('E-mail address (the sign-in name)').fill(email);
  await admin.getByLabel('Agency', { exact: true }).selectOption({ label: agency });
  await admin.locator(`label[for="role-${roleCode}"]`).click();
  await admin.getByRole('button', { name: 'Add account' }).click();
  return (await admin.locator('#one-time-password').innerText()).trim();
}

/** The administrator adds an agency through the admin page. */
export async function addAgency(admin, baseUrl, name, kind) {
  await admin.goto(`${baseUrl}/admin/agencies`);
  await admin.getByLabel('Name', { exact: true }).fill(name);
  await admin.getByLabel('Kind').selectOption(kind);
  await admin.getByRole('button', { name: 'Add agency' }).click();
  await admin.getByRole('cell', { name }).waitFor();
}
