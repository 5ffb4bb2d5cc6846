"""The elderly-care tests' shared city (tests/fixtures/eldercare.py) is what they assume it is."""


def test_fixture_city_is_consistent(care, users):
    from minzheng.eldercare import selectors

    assert selectors.provider_of(care["provider_a"]) == care["a"]
    assert selectors.provider_of(users["dongbao_village"]) is None
    # 龙泉社区 is served by the 龙泉 centre and the 东宝 company, not by the 钟祥 clinic.
    assert set(selectors.providers_serving(care["village"])) == {care["a"], care["b"]}
    # The son's account reaches his mother (82) but not himself (not yet 60).
    assert list(selectors.elderly_for(care["family"])) == [care["mother"]]
    assert selectors.household_living_situation(care["mother"]) == "with_family"
