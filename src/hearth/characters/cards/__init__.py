"""Character Card V1/V2/V3: reading JSON, PNG and CHARX cards, writing JSON and PNG ones."""
