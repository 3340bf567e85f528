import limette


def test_public_api_is_sorted_and_complete():
    assert limette.__all__ == sorted(limette.__all__)
    for name in limette.__all__:
        assert hasattr(limette, name), name
