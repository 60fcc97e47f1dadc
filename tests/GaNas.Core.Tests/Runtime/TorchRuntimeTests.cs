using System.Runtime.InteropServices;
using GaNas.Runtime;

namespace GaNas.Tests.Runtime;

public class TorchRuntimeTests
{
    [Fact]
    public void A_libstdcxx_version_failure_names_the_package_fix_not_a_repository_file()
    {
        var loader = new NotSupportedException("This application or script uses TorchSharp but doesn't contain a reference to libtorch-cpu-linux-x64",
            new DllNotFoundException("/usr/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found (required by libLibTorchSharp.so)"));
        string message = TorchRuntime.LoadFailureMessage(loader);
        message.Should().Contain("GaNas.Core").And.Contain("buildTransitive/GaNas.Core.targets").And.Contain("GLIBCXX_3.4.32' not found");
        message.Should().NotContain("Directory.Build.targets");
    }

    [Fact]
    public void A_missing_backend_names_the_backend_packages()
    {
        string message = TorchRuntime.LoadFailureMessage(new DllNotFoundException("Unable to load shared library 'LibTorchSharp'"));
        message.Should().Contain("libtorch-cpu-linux-x64").And.Contain("TorchSharp-cpu").And.Contain("TorchSharp-cuda-linux").And.Contain("'LibTorchSharp'");
        message.Should().NotContain("buildTransitive");
    }

    [Fact]
    public void The_build_shipped_the_patched_library_on_this_host()
    {
        // Every test assembly goes through build/GaNas.Core.targets; on Linux x64 the copy in the output must carry the weak mark.
        if (!OperatingSystem.IsLinux() || RuntimeInformation.OSArchitecture != Architecture.X64) return;
        string library = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        File.Exists(library).Should().BeTrue(library);
        int flags = VersionNeedFlags(File.ReadAllBytes(library), "GLIBCXX_3.4.32");
        flags.Should().BeGreaterThanOrEqualTo(0, "the library needs GLIBCXX_3.4.32");
        (flags & 0x2).Should().Be(0x2, "VER_FLG_WEAK is set on that need");
    }

    /// <summary>The vna_flags of the named Vernaux entry in .gnu.version_r (64-bit little-endian ELF), or -1.</summary>
    private static int VersionNeedFlags(byte[] elf, string version)
    {
        ulong shoff = BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A), shnum = BitConverter.ToUInt16(elf, 0x3C);
        for (int s = 0; s < shnum; s++)
        {
            int sh = (int)shoff + s * shentsize;
            if (BitConverter.ToUInt32(elf, sh + 4) != 0x6ffffffe) continue;
            int vn = (int)BitConverter.ToUInt64(elf, sh + 0x18);
            int strtab = (int)BitConverter.ToUInt64(elf, (int)shoff + (int)BitConverter.ToUInt32(elf, sh + 0x28) * shentsize + 0x18);
            for (int i = 0, count = (int)BitConverter.ToUInt32(elf, sh + 0x2C); i < count; i++)
            {
                int aux = vn + (int)BitConverter.ToUInt32(elf, vn + 8);
                for (int j = 0, cnt = BitConverter.ToUInt16(elf, vn + 2); j < cnt; j++)
                {
                    int name = strtab + (int)BitConverter.ToUInt32(elf, aux + 8);
                    int end = Array.IndexOf(elf, (byte)0, name);
                    if (System.Text.Encoding.ASCII.GetString(elf, name, end - name) == version) return BitConverter.ToUInt16(elf, aux + 4);
                    aux += (int)BitConverter.ToUInt32(elf, aux + 12);
                }
                vn += (int)BitConverter.ToUInt32(elf, vn + 12);
            }
        }
        return -1;
    }
}
