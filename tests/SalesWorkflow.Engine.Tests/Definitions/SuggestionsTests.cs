using SalesWorkflow.Engine.Definitions.Shapes;

namespace SalesWorkflow.Engine.Tests.Definitions;

public sealed class SuggestionsTests
{
    [Theory]
    [InlineData("probabilty", "probability")]
    [InlineData("exitcriteria", "exitCriteria")]
    [InlineData("nmae", "name")]
    [InlineData("stagse", "stages")]
    public void Closest_Typo_FindsIntendedKey(string typo, string expected)
    {
        Assert.Equal(expected, Suggestions.Closest(typo, ["id", "name", "probability", "exitCriteria", "stages", "kind"]));
    }

    [Fact]
    public void Closest_UnrelatedWord_SuggestsNothing()
    {
        Assert.Null(Suggestions.Closest("banana", ["id", "name", "probability"]));
    }
}
