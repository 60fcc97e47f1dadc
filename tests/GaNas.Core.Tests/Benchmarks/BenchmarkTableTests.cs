using GaNas.Benchmarks;
using GaNas.SearchSpaces;

namespace GaNas.Tests.Benchmarks;

public class BenchmarkTableTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ganas-table-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string text, string name = "t.csv")
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [BenchmarkFact]
    public void Tss_table_maps_strings_to_indices_and_holds_the_optimum()
    {
        var table = BenchmarkTable.Read(TopologySearchSpace.Instance, BenchmarkData.File("nats-tss", "cifar10.csv"));
        table.Count.Should().Be(15625);
        table[0].Parameters.Should().Be(129306);
        table[0].TestAccuracy.Should().BeApproximately(85.8633, 1e-9);
        table.Entries.MaxBy(e => e.TestAccuracy)!.Index.Should().Be(6111);
        table.Find(table[6111].Genome).Index.Should().Be(6111);
    }

    [BenchmarkFact]
    public void Sss_table_index_is_the_genome_code()
    {
        var space = SizeSearchSpace.Instance;
        var table = BenchmarkTable.Read(space, BenchmarkData.File("nats-sss", "cifar10.csv"));
        table.Entries.Should().OnlyContain(e => space.Encode(e.Genome) == e.Index);
        table.Entries.Average(e => e.TestAccuracy).Should().BeApproximately(91.0855, 1e-3);
    }

    [Fact]
    public void Corrupt_tables_give_errors_naming_line_and_problem()
    {
        var space = SizeSearchSpace.Instance;
        var cases = new (string Text, string Message)[]
        {
            ("", "empty"),
            ("index,arch,params\n", "no rows"),
            ("index,params\n0,5\n", "no column 'arch'"),
            ("index,arch,params\n0,8:8:8:8:8\n", "line 2 has 2 fields"),
            ("index,arch,params\n0,8:8:8:8:9,5\n", "line 2: Invalid sss architecture"),
            ("index,arch,params\n0,8:8:8:8:8,x\n", "line 2, column 'params': 'x' is not a whole number"),
            ("index,arch,params\n0,8:8:8:8:8,1\n0,8:8:8:8:16,1\n", "index 0 appears twice"),
            ("index,arch,params\n0,8:8:8:8:8,1\n1,8:8:8:8:8,1\n", "appears twice"),
            ("index,arch,params\n5,8:8:8:8:8,1\n", "outside 0..0"),
        };
        foreach (var (text, message) in cases)
        {
            string path = Write(text);
            var act = () => BenchmarkTable.Read(space, path);
            act.Should().Throw<InvalidDataException>().Which.Message.Should().Contain(message).And.Contain(path);
        }
    }

    [Fact]
    public void Missing_file_is_reported_by_path()
    {
        var act = () => BenchmarkTable.Read(SizeSearchSpace.Instance, Path.Combine(_dir, "nope.csv"));
        act.Should().Throw<FileNotFoundException>().WithMessage("*nope.csv*");
    }
}
