from ninja import Router

router = Router()
people_router = households_router = router
