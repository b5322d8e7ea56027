"""Provider adapters. Each imports its SDK lazily so `import hearth.llm` stays cheap."""
