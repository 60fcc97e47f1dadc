using System.Runtime.InteropServices;
using GaNas.Runtime;
using TorchSharp;

namespace GaNas.Tests.Runtime;

public class LibTorchLogLevelTests
{
    [Theory]
    [InlineData(null, 2)]
    [InlineData("", 2)]
    [InlineData("info", 0)]
    [InlineData("WARNING", 1)]
    [InlineData(" Error ", 2)]
    [InlineData("FATAL", 3)]
    [InlineData("1", 1)]
    public void The_level_is_read_as_c10_documents_it(string? value, int level)
        => LibTorchLogLevel.Parse(value).Should().Be(level);

    [Theory]
    [InlineData("verbose")]
    [InlineData("7")]
    [InlineData("-1")]
    public void A_value_c10_would_refuse_is_refused_with_the_variable_name(string value)
        => FluentActions.Invoking(() => LibTorchLogLevel.Parse(value)).Should().Throw<ArgumentException>()
            .WithMessage($"*TORCH_CPP_LOG_LEVEL='{value}'*INFO, WARNING, ERROR or FATAL*");

    [Fact]
    public void Loading_libtorch_limits_its_log_to_errors()
    {
        if (!OperatingSystem.IsLinux()) return; // the flag is looked up in libc10.so
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(LibTorchLogLevel.Variable))) return; // the user's choice is kept
        TorchRuntime.EnsureLoaded();
        LibTorchLogLevel.Current.Should().Be(LibTorchLogLevel.Error, "libtorch 2.10 exports FLAGS_caffe2_log_level and EnsureLoaded sets it");
    }

    [Fact]
    public void A_float64_convolution_writes_nothing_to_stderr_at_the_level_set()
    {
        if (!OperatingSystem.IsLinux()) return;
        TorchRuntime.EnsureLoaded();
        try
        {
            // At WARNING, a machine whose NNPACK cannot start gets one line per float64 convolution (this project's VMs);
            // elsewhere nothing. At ERROR, nothing anywhere.
            LibTorchLogLevel.Apply("WARNING");
            string warned = NativeStderrOf(Float64Convolution);
            LibTorchLogLevel.Apply("ERROR");
            string quiet = NativeStderrOf(Float64Convolution);
            quiet.Should().BeEmpty($"the level is ERROR (at WARNING it wrote {warned.Length} characters: '{warned[..Math.Min(warned.Length, 120)]}')");
        }
        finally
        {
            LibTorchLogLevel.Apply();
        }
    }

    private static void Float64Convolution()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.randn([16, 3, 8, 8], dtype: torch.ScalarType.Float64);
        var w = torch.randn([4, 3, 3, 3], dtype: torch.ScalarType.Float64);
        _ = torch.nn.functional.conv2d(x, w, padding: [1, 1]);
    }

    /// <summary>What native code writes to file descriptor 2 while <paramref name="action"/> runs.</summary>
    private static string NativeStderrOf(Action action)
    {
        string path = Path.GetTempFileName();
        int saved = dup(2);
        int file = open(path, 0x1 | 0x200, 0); // O_WRONLY | O_TRUNC
        saved.Should().BeGreaterThanOrEqualTo(0);
        file.Should().BeGreaterThanOrEqualTo(0);
        try
        {
            dup2(file, 2);
            action();
        }
        finally
        {
            dup2(saved, 2);
            close(file);
            close(saved);
        }
        string text = File.ReadAllText(path);
        File.Delete(path);
        return text;
    }

    [DllImport("libc", SetLastError = true)] private static extern int dup(int fd);
    [DllImport("libc", SetLastError = true)] private static extern int dup2(int fd, int fd2);
    [DllImport("libc", SetLastError = true)] private static extern int close(int fd);
    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);
}
