"""Leads: creating, working, claiming, qualifying into deals, disqualifying, listing."""
