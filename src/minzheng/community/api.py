from ninja import Router

router = Router(tags=["community governance"])
