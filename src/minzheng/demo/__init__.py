"""The demo: the composition root that sets up a new install with data from every module
(the Jingmen tree, a synthetic city, beneficiaries, elderly care, the 2016 plan, one account per
role), and the `demo` command. Only the demo knows all the apps; no app imports it."""
