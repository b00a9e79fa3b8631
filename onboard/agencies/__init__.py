"""Partner agencies: accounts and API keys, batches of applications checked in the
background, their reports, and webhooks on completion.

``models`` holds the tables; ``keys`` the accounts and keys; ``batches`` uploading and
checking batches; ``report`` summaries and their JSON, CSV and HTML forms; ``webhooks`` the
signed completion notices. The HTTP adapter is :mod:`onboard.web.agency_api`.
"""
