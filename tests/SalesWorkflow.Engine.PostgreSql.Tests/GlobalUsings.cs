global using Xunit;

// Every test here needs a PostgreSQL server: [Fact] (also in the linked contract tests) means "skip with the reason
// when there is none", never "pass".
global using FactAttribute = SalesWorkflow.Engine.PostgreSql.Tests.PostgresFactAttribute;
global using TheoryAttribute = SalesWorkflow.Engine.PostgreSql.Tests.PostgresTheoryAttribute;
