using GaNas.Benchmarks;

namespace GaNas.Tests.Benchmarks;

public class ProxyTableTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ganas-proxytable-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Joined_tables_keep_shared_indices_in_first_table_order_and_sum_seconds()
    {
        string a = Write("a.csv", "index,arch,naswot,seconds\n5,x5,1.5,0.25\n2,x2,2.5,0.5\n9,x9,3.5,1\n");
        string b = Write("b.csv", "index,meco,seconds\n9,30,2\n2,20,0.25\n7,70,1\n");

        ProxyTable joined = ProxyTable.ReadMany($"{a}, {b}");

        joined.Indices.Should().Equal(2, 9);
        joined.Architectures.Should().Equal("x2", "x9");
        joined.ProxyNames.Should().Equal("naswot", "meco");
        joined.Column("naswot").Should().Equal(2.5, 3.5);
        joined.Column("meco").Should().Equal(20, 30);
        joined.Seconds.Should().Equal(0.75, 3);
        joined.RowOf(9).Should().Be(1);
        joined.RowOf(5).Should().Be(-1);
    }

    [Fact]
    public void Joining_rejects_duplicate_proxies_and_conflicting_architectures()
    {
        string a = Write("a.csv", "index,arch,naswot\n1,x1,1\n");
        string dup = Write("dup.csv", "index,naswot\n1,2\n");
        string other = Write("other.csv", "index,arch,meco\n1,y1,3\n");
        string disjoint = Write("disjoint.csv", "index,meco\n4,3\n");

        FluentActions.Invoking(() => ProxyTable.ReadMany($"{a},{dup}"))
            .Should().Throw<InvalidDataException>().WithMessage("*'naswot'*distinct*");
        FluentActions.Invoking(() => ProxyTable.ReadMany($"{a},{other}"))
            .Should().Throw<InvalidDataException>().WithMessage("*Index 1*'x1'*'y1'*");
        FluentActions.Invoking(() => ProxyTable.ReadMany($"{a},{disjoint}"))
            .Should().Throw<InvalidDataException>().WithMessage("*share no index*");
    }

    [Fact]
    public void Seconds_are_dropped_when_one_joined_table_has_none()
    {
        string a = Write("a.csv", "index,naswot,seconds\n1,1,0.5\n");
        string b = Write("b.csv", "index,meco\n1,3\n");
        ProxyTable.ReadMany($"{a},{b}").Seconds.Should().BeNull();
    }

    [Fact]
    public void Averaged_repeats_keep_shared_rows_mean_each_proxy_keep_failures_and_sum_seconds()
    {
        string a = Write("a.csv", "index,arch,naswot,meco,seconds\n5,x5,1,10,0.5\n2,x2,2,20,0.25\n9,x9,3,30,1\n");
        string b = Write("b.csv", "index,arch,meco,naswot,seconds\n9,x9,40,5,1\n2,x2,-inf,4,0.5\n7,x7,70,7,1\n");

        ProxyTable mean = ProxyTable.Average([ProxyTable.Read(a), ProxyTable.Read(b)]);

        mean.Indices.Should().Equal(2, 9);
        mean.Architectures.Should().Equal("x2", "x9");
        mean.Column("naswot").Should().Equal(3, 4);
        mean.Column("meco")[0].Should().Be(double.NegativeInfinity, "a failure in one repeat is a failure of the mean");
        mean.Column("meco")[1].Should().Be(35);
        mean.Seconds.Should().Equal(0.75, 2);

        string other = Write("other.csv", "index,naswot\n2,1\n");
        string disjoint = Write("disjoint.csv", "index,arch,naswot,meco\n4,x4,1,1\n");
        FluentActions.Invoking(() => ProxyTable.Average([ProxyTable.Read(a), ProxyTable.Read(other)]))
            .Should().Throw<InvalidDataException>().WithMessage("*other.csv*same proxies*");
        FluentActions.Invoking(() => ProxyTable.Average([ProxyTable.Read(a), ProxyTable.Read(disjoint)]))
            .Should().Throw<InvalidDataException>().WithMessage("*share no index*");
    }
}
