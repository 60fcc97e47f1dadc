using System.Buffers.Binary;
using System.Diagnostics;
using GaNas.Data;

namespace GaNas.Tests.Data;

/// <summary>Image headers that lie: decompression bombs and impossible fields are refused from the header, before decoding.</summary>
public class HostileImageTests
{
    /// <summary>A valid 2x2 RGB PNG whose IHDR fields are then rewritten (with a correct CRC, as a crafted file has).</summary>
    private static byte[] WithHeader(int width, int height, byte bitDepth = 8)
    {
        byte[] png = TestImages.Png(new DecodedImage(2, 2, 3, new byte[12]));
        // Signature (8), IHDR length (4), "IHDR" (4), 13 bytes of data, CRC (4).
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), height);
        png[24] = bitDepth;
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), System.IO.Hashing.Crc32.HashToUInt32(png.AsSpan(12, 17)));
        return png;
    }

    [Fact]
    public void The_test_image_is_valid_before_it_is_rewritten()
    {
        ImageDecoder.Decode(WithHeader(2, 2), 3, "ok.png").Width.Should().Be(2);
    }

    [Theory]
    [InlineData(26_000, 26_000)]
    [InlineData(100_000, 1)]
    [InlineData(9_000, 9_000)]
    public void A_decompression_bomb_header_is_refused_before_decoding(int width, int height)
    {
        var watch = Stopwatch.StartNew();
        var act = () => ImageDecoder.Decode(WithHeader(width, height), 3, "bomb.png");
        act.Should().Throw<InvalidDataException>().WithMessage($"Image 'bomb.png' claims {width}x{height} pixels*");
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void An_impossible_bit_depth_is_refused()
    {
        var act = () => ImageDecoder.Decode(WithHeader(2, 2, bitDepth: 0), 3, "depth.png");
        act.Should().Throw<InvalidDataException>().WithMessage("Image 'depth.png'*");
    }
}
