import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  backends,
  browserUnavailable,
  startServer,
  launchBrowser,
  newWatchedPage,
  accessibilityViolations,
} from '../lib/harness.mjs';

const skip = browserUnavailable();

for (const backend of backends()) {
  describe(`foundation on ${backend}`, { skip: skip ?? false }, () => {
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

    test('first start hands the administrator its password in a private file, not the log', () => {
      assert.equal(server.admin.email, 'admin@localhost');
      assert.match(server.admin.password ?? '', /^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$/);
      assert.ok(!server.stderr().includes(server.admin.password), 'the log never holds it');
      assert.match(server.stderr(), /first-admin-password\.txt/);
    });

    test('home page renders with the layout and every asset loads', async () => {
      const { page, problems, close } = await newWatchedPage(browser);
      try {
        const res = await page.goto(`${server.baseUrl}/`);
        assert.equal(res.status(), 200);
        assert.match(await page.title(), /Containment/);
        assert.equal(await page.locator('h1').innerText(), 'Containment');
        assert.equal(await page.locator('header.usa-header').count(), 1);
        assert.equal(await page.locator('nav[aria-label="Primary navigation"]').count(), 1);
        assert.equal(await page.locator('footer.usa-footer').count(), 1);
        // USWDS styles applied: the skip link is visually hidden until focused.
        const skipTop = await page.locator('.usa-skipnav').evaluate((el) => el.getBoundingClientRect().top);
        assert.ok(skipTop < 0, `skip link should be off-screen, top=${skipTop}`);
        await page.waitForLoadState('networkidle');
        assert.deepEqual(problems, []);
      } finally {
        await close();
      }
    });

    test('home page has no WCAG 2.1 A/AA violations', async () => {
      const { page, close } = await newWatchedPage(browser);
      try {
        await page.goto(`${server.baseUrl}/`);
        assert.deepEqual(await accessibilityViolations(page), []);
      } finally {
        await close();
      }
    });

    test('the 404 page is styled, accessible and reveals nothing', async () => {
      const { page, close } = await newWatchedPage(browser);
      try {
        const res = await page.goto(`${server.baseUrl}/no/such/page`);
        assert.equal(res.status(), 404);
        assert.equal(await page.locator('h1').innerText(), 'Page not found');
        assert.deepEqual(await accessibilityViolations(page), []);
      } finally {
        await close();
      }
    });

    test('the mobile menu opens and closes', async () => {
      const { page, problems, close } = await newWatchedPage(browser);
      try {
        await page.setViewportSize({ width: 400, height: 800 });
        await page.goto(`${server.baseUrl}/`);
        const nav = page.locator('nav.usa-nav');
        await page.locator('button.usa-menu-btn').click();
        await nav.waitFor({ state: 'visible' });
        await page.locator('button.usa-nav__close').click();
        await nav.waitFor({ state: 'hidden' });
        assert.deepEqual(problems, []);
      } finally {
        await close();
      }
    });

    test('Swagger UI renders the API document from the vendored bundle', async () => {
      const { page, problems, close } = await newWatchedPage(browser);
      try {
        await page.goto(`${server.baseUrl}/api/docs/`);
        await page.locator('.swagger-ui .info .title').waitFor();
        assert.match(await page.locator('.swagger-ui .info .title').innerText(), /Containment API/);
        assert.deepEqual(problems, []);
      } finally {
        await close();
      }
    });
  });
}
