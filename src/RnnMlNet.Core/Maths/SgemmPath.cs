using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnMlNet.Core.Maths;

/// <summary>
/// The ways <see cref="Sgemm"/> can form a float product. Production code uses <see cref="Sgemm.Best"/>;
/// tests force each path and compare it with <see cref="Scalar"/>.
/// </summary>
internal enum SgemmPath
{
    /// <summary>Plain loops, one multiply and one add per term: the reference the others are checked against.</summary>
    Scalar,

    /// <summary>Packed panels and a 6×8 register tile of 128-bit vectors: any CPU .NET accelerates (SSE, NEON).</summary>
    Vector128,

    /// <summary>Packed panels and a 6×16 register tile of 256-bit vectors with fused multiply-add.</summary>
    Avx2Fma,
}
