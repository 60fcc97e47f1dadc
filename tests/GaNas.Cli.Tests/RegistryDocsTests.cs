using System.Diagnostics;

namespace GaNas.Tests;

/// <summary>docs/architecture.md's tables of registered names are what <c>ganas list</c> prints (in a process of its own, where only the library's registrations exist).</summary>
public class RegistryDocsTests
{
    [Fact]
    public void The_docs_tables_of_registered_names_are_the_registries()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ganas.dll"));
        info.ArgumentList.Add("list");
        using Process process = Process.Start(info)!;
        string listed = process.StandardOutput.ReadToEnd();
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        process.ExitCode.Should().Be(0, errors);

        string page = File.ReadAllText(Path.Combine(DegenerateArchitectureTests.RepositoryRoot(), "docs", "architecture.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        const string begin = "<!-- ganas list: begin -->\n", end = "\n<!-- ganas list: end -->";
        int from = page.IndexOf(begin, StringComparison.Ordinal), to = page.IndexOf(end, StringComparison.Ordinal);
        from.Should().BePositive("docs/architecture.md marks the generated section");
        to.Should().BeGreaterThan(from);
        page[(from + begin.Length)..to].Should().Be(listed.TrimEnd('\n'), "regenerate the section with 'ganas list' after changing a registration");
        listed.Should().Contain("| `ga` |").And.Contain("| `naswot` |").And.Contain("| `trk` |").And.Contain("| `sss` |");
    }
}
