"""The Digital Services Act: notices of illegal content, statements of reasons,
appeals, misuse, and the transparency the regulation asks for."""
