from tests.web.browser.conftest import browser, live_district, new_page  # noqa: F401  (the shared browser fixtures)
