using GaNas.SearchSpaces;

namespace GaNas.Tests.SearchSpaces;

public class GenomeOperatorTests
{
    public static TheoryData<string> Spaces => new() { "tss", "sss" };

    [Theory]
    [MemberData(nameof(Spaces))]
    public void Mutation_changes_exactly_one_position_and_stays_valid(string name)
    {
        ISearchSpace space = SearchSpaceCatalog.ByName(name);
        var random = new Random(1);
        for (int i = 0; i < 2000; i++)
        {
            Genome parent = space.Sample(random);
            Genome child = space.Mutate(parent, random);
            space.Validate(child);
            Enumerable.Range(0, space.Length).Count(p => parent[p] != child[p]).Should().Be(1);
        }
    }

    [Theory]
    [MemberData(nameof(Spaces))]
    public void Crossover_takes_every_gene_from_a_parent_and_stays_valid(string name)
    {
        ISearchSpace space = SearchSpaceCatalog.ByName(name);
        var random = new Random(2);
        for (int i = 0; i < 2000; i++)
        {
            Genome a = space.Sample(random), b = space.Sample(random);
            Genome child = space.Crossover(a, b, random);
            space.Validate(child);
            for (int p = 0; p < space.Length; p++) child[p].Should().BeOneOf(a[p], b[p]);
        }
    }

    [Theory]
    [MemberData(nameof(Spaces))]
    public void Neighbourhood_is_every_single_position_change(string name)
    {
        ISearchSpace space = SearchSpaceCatalog.ByName(name);
        Genome g = space.Sample(new Random(3));
        var neighbours = space.Neighbours(g);
        int expected = Enumerable.Range(0, space.Length).Sum(p => space.Cardinality(p) - 1);
        neighbours.Should().HaveCount(expected).And.OnlyHaveUniqueItems().And.NotContain(g);
        foreach (Genome n in neighbours)
        {
            space.Validate(n);
            Enumerable.Range(0, space.Length).Count(p => n[p] != g[p]).Should().Be(1);
        }
    }

    [Theory]
    [MemberData(nameof(Spaces))]
    public void Sampling_is_seeded_and_covers_every_choice(string name)
    {
        ISearchSpace space = SearchSpaceCatalog.ByName(name);
        var r1 = new Random(42);
        var r2 = new Random(42);
        var a = Enumerable.Range(0, 500).Select(_ => space.Sample(r1)).ToList();
        var b = Enumerable.Range(0, 500).Select(_ => space.Sample(r2)).ToList();
        a.Should().Equal(b);
        for (int p = 0; p < space.Length; p++)
            a.Select(g => g[p]).Distinct().Should().HaveCount(space.Cardinality(p));
    }

    [Fact]
    public void Invalid_genomes_are_rejected_with_the_position()
    {
        var space = TopologySearchSpace.Instance;
        var act = () => space.Validate(new Genome([0, 1, 2, 3, 4, 5]));
        act.Should().Throw<ArgumentException>().WithMessage("*Position 5*5*");
        var shortGenome = () => space.Encode(new Genome([0, 1]));
        shortGenome.Should().Throw<ArgumentException>().WithMessage("*6 positions*2*");
        var badCode = () => space.Decode(15625);
        badCode.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Genomes_have_value_equality()
    {
        new Genome([1, 2, 3]).Should().Be(new Genome([1, 2, 3]));
        new Genome([1, 2, 3]).GetHashCode().Should().Be(new Genome([1, 2, 3]).GetHashCode());
        new Genome([1, 2, 3]).Should().NotBe(new Genome([1, 2, 4]));
    }
}
