"""The authorization matrix (tests/functional/authorization/): its principals and rules, the world a case
builds its request in, every route with how to call it, and a case's check."""
