using GaNas.SearchSpaces;

namespace GaNas.Tests.SearchSpaces;

public class SizeSearchSpaceTests
{
    private static readonly SizeSearchSpace Space = SizeSearchSpace.Instance;

    [Theory]
    [InlineData("8:8:8:8:8", 0)]
    [InlineData("8:8:8:8:16", 1)]
    [InlineData("64:64:56:64:24", 32698)]
    [InlineData("64:64:64:64:64", 32767)]
    public void Code_is_the_benchmark_lexicographic_index(string arch, long index)
    {
        Space.Encode(Space.Parse(arch)).Should().Be(index);
        Space.Format(Space.Decode(index)).Should().Be(arch);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("8:8:8:8", "expected 5 widths")]
    [InlineData("8:8:8:8:8:8", "expected 5 widths")]
    [InlineData("8:9:8:8:8", "width 2 is 9")]
    [InlineData("8:8:72:8:8", "width 3 is 72")]
    [InlineData("8:8:8:x:8", "width 4 'x' is not a whole number")]
    [InlineData("8:8:8:8:-8", "width 5 '-8' is not a whole number")]
    [InlineData("8:8: 8:8:8", "width 3 ' 8' is not a whole number")]
    public void Malformed_strings_throw_naming_the_problem(string arch, string problem)
    {
        var act = () => Space.Parse(arch);
        act.Should().Throw<ArchitectureFormatException>().Which.Message.Should().Contain(problem);
    }

    [Fact]
    public void Error_position_points_at_the_bad_width()
    {
        var ex = Assert.Throws<ArchitectureFormatException>(() => Space.Parse("16:24:33:8:8"));
        ex.Position.Should().Be(6);
    }

    [Fact]
    public void Catalog_finds_spaces_by_name_and_rejects_unknown_names()
    {
        SearchSpaceCatalog.ByName("TSS").Should().BeSameAs(TopologySearchSpace.Instance);
        SearchSpaceCatalog.ByName("sss").Should().BeSameAs(SizeSearchSpace.Instance);
        var act = () => SearchSpaceCatalog.ByName("darts");
        act.Should().Throw<ArgumentException>().WithMessage("*darts*tss, sss*");
    }
}
