using GaNas.SearchSpaces;

namespace GaNas.Tests.SearchSpaces;

public class TopologySearchSpaceTests
{
    private static readonly TopologySearchSpace Space = TopologySearchSpace.Instance;
    private const string Index0 = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|";

    [Fact]
    public void Parse_then_format_round_trips_and_orders_edges_canonically()
    {
        Genome g = Space.Parse(Index0);
        g.Genes.ToArray().Should().Equal(4, 2, 1, 2, 1, 1);
        Space.Format(g).Should().Be(Index0);
        Space.Size.Should().Be(15625);
    }

    [Fact]
    public void Every_code_round_trips_through_genome_and_string()
    {
        for (long code = 0; code < Space.Size; code++)
        {
            Genome g = Space.Decode(code);
            Space.Encode(g).Should().Be(code);
            Space.Parse(Space.Format(g)).Should().Be(g);
        }
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|", "expected 3 nodes")]
    [InlineData("|nor_conv_3x3~0|+|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|", "node 2 must have 2 input edge(s), found 1")]
    [InlineData("|nor_conv_5x5~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|", "unknown operation 'nor_conv_5x5'")]
    [InlineData("|nor_conv_3x3~0|+|nor_conv_3x3~1|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|", "must read from node 0")]
    [InlineData("|nor_conv_3x3|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|", "must be 'op~0'")]
    [InlineData("nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|", "node 1 must be written as")]
    [InlineData("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~x|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|", "found '~x'")]
    public void Malformed_strings_throw_naming_the_problem(string arch, string problem)
    {
        var act = () => Space.Parse(arch);
        act.Should().Throw<ArchitectureFormatException>().Which.Message.Should().Contain(problem).And.Contain("position");
    }

    [Fact]
    public void Error_position_points_at_the_bad_edge()
    {
        const string arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|bogus~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|";
        var ex = Assert.Throws<ArchitectureFormatException>(() => Space.Parse(arch));
        ex.Position.Should().Be(arch.IndexOf("bogus", StringComparison.Ordinal));
    }

    [Fact]
    public void Null_string_is_an_argument_error()
    {
        var act = () => Space.Parse(null!);
        act.Should().Throw<ArgumentNullException>();
    }
}
