import type { ThemeConfig } from 'antd';

/** Police blue, a dense console look; fonts that carry Chinese well on Windows, macOS and Linux. */
export const theme: ThemeConfig = {
  token: {
    colorPrimary: '#1f4e9c',
    borderRadius: 4,
    fontFamily:
      "-apple-system, BlinkMacSystemFont, 'Segoe UI', 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Micro Hei', 'Helvetica Neue', Arial, sans-serif",
  },
  components: {
    Layout: { headerBg: '#12305f', siderBg: '#0f2446', headerHeight: 56, headerPadding: '0 20px' },
    Menu: {
      darkItemBg: '#0f2446',
      darkSubMenuItemBg: '#0b1b36',
      darkItemSelectedBg: '#1f4e9c',
    },
  },
};
