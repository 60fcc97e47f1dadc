using System.Diagnostics;
using GaNas.Runtime;
using static TorchSharp.torch;

namespace GaNas.Tests.Runtime;

public class NativeHeapTests
{
    public NativeHeapTests() => TestEnvironment.InitTorch();

    private static long ResidentMegabytes()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64 >> 20;
    }

    [Fact]
    public void Trim_returns_freed_tensor_memory_that_glibc_would_keep()
    {
        if (!OperatingSystem.IsLinux())
        {
            NativeHeap.Trim().Should().BeFalse();
            return;
        }
        // 2,000 tensors of 100 KB (below glibc's mmap threshold, so they come from the heap); keeping every
        // tenth alive leaves the freed 90 % as holes that free() does not hand back on its own.
        var tensors = Enumerable.Range(0, 2000).Select(_ => ones(25_000)).ToList();
        var kept = tensors.Where((_, i) => i % 10 == 0).ToList();
        foreach (var t in tensors.Where((_, i) => i % 10 != 0)) t.Dispose();
        long afterFree = ResidentMegabytes();

        NativeHeap.Trim().Should().BeTrue();
        long afterTrim = ResidentMegabytes();

        (afterFree - afterTrim).Should().BeGreaterThan(100, $"about 180 MB of freed tensors should go back to the OS (resident {afterFree} MB -> {afterTrim} MB)");
        kept.Should().OnlyContain(t => t.sum().item<float>() == 25_000f, "trimming must not touch live tensors");
        foreach (var t in kept) t.Dispose();
    }
}
